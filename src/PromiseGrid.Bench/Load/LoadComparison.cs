namespace PromiseGrid.Bench.Load;

/// <summary>
/// One grid figure next to the baseline it is judged against, for modes that measure several
/// things in one run (<c>store</c>: put and get at two blob sizes, and the completion cache).
/// </summary>
/// <param name="Name">What is compared, e.g. <c>put 1 KiB</c>.</param>
/// <param name="BytesPerOp">Payload bytes each completion moves, for the MB/s column; 0 when that means nothing.</param>
public sealed record LoadComparison(string Name, LoadFigure Grid, LoadFigure Baseline, long BytesPerOp)
{
    public double Ratio => Baseline.PerSecond == 0 ? 0 : Grid.PerSecond / Baseline.PerSecond;

    /// <summary>Payload megabytes (10^6 bytes) per second the grid moved.</summary>
    public double GridMegabytesPerSecond => Grid.PerSecond * BytesPerOp / 1e6;

    /// <summary>Payload megabytes (10^6 bytes) per second the baseline moved.</summary>
    public double BaselineMegabytesPerSecond => Baseline.PerSecond * BytesPerOp / 1e6;
}
