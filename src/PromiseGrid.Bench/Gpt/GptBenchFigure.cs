namespace PromiseGrid.Bench.Gpt;

/// <summary>
/// One throughput figure of the <c>gpt</c> bench: <paramref name="Bytes"/> bytes (targets trained
/// on, positions run forward, or bytes generated) in <paramref name="Operations"/> calls over
/// <paramref name="Seconds"/> of wall-clock time.
/// </summary>
public sealed record GptBenchFigure(string Name, string Operation, long Bytes, long Operations, double Seconds)
{
    public double BytesPerSecond => Seconds <= 0 ? 0 : Bytes / Seconds;

    /// <summary>Wall-clock milliseconds per call (a training step, a forward pass, a generation of a few hundred bytes).</summary>
    public double MillisecondsPerOperation => Operations == 0 ? 0 : Seconds * 1000 / Operations;
}
