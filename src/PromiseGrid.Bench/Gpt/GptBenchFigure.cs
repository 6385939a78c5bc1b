namespace PromiseGrid.Bench.Gpt;

/// <summary>
/// One throughput figure of the <c>gpt</c> bench: <paramref name="Bytes"/> bytes (targets trained
/// on, positions run forward, or bytes generated) in <paramref name="Operations"/> calls over
/// <paramref name="Seconds"/> of wall-clock time.
/// </summary>
/// <paramref name="CpuSeconds"/> is the processor time the whole process used meanwhile: bytes per
/// CPU-second hardly depend on how busy the machine is, unlike bytes per wall-clock second.
public sealed record GptBenchFigure(string Name, string Operation, long Bytes, long Operations, double Seconds, double CpuSeconds)
{
    public double BytesPerCpuSecond => CpuSeconds <= 0 ? 0 : Bytes / CpuSeconds;

    public double BytesPerSecond => Seconds <= 0 ? 0 : Bytes / Seconds;

    /// <summary>Wall-clock milliseconds per call (a training step, a forward pass, a generation of a few hundred bytes).</summary>
    public double MillisecondsPerOperation => Operations == 0 ? 0 : Seconds * 1000 / Operations;
}
