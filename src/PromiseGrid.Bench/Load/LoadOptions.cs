namespace PromiseGrid.Bench.Load;

/// <summary>What one load run does: how many closed-loop requesters, for how long, with how many payload bytes.</summary>
public sealed record LoadOptions(int Concurrency = 32, double Seconds = 10, double WarmupSeconds = 2, int PayloadBytes = 16)
{
    public TimeSpan Window => TimeSpan.FromSeconds(Seconds);
    public TimeSpan Warmup => TimeSpan.FromSeconds(WarmupSeconds);

    /// <summary>The bytes each request carries after the prefix; fixed content, so runs compare.</summary>
    public byte[] Payload()
    {
        var payload = new byte[PayloadBytes];
        new Random(42).NextBytes(payload);
        return payload;
    }
}
