namespace PromiseGrid.Bench.Load;

/// <summary>What one load run does: how many closed-loop requesters, for how long, with how many payload bytes.</summary>
/// <param name="Seconds">Measured time of each figure, split over <paramref name="Rounds"/>.</param>
/// <param name="Rounds">Baseline and grid take turns this many times, so a machine that changes
/// speed during the run (a shared host does) slows both alike.</param>
public sealed record LoadOptions(int Concurrency = 32, double Seconds = 10, double WarmupSeconds = 2, int PayloadBytes = 16, int Rounds = 5)
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
