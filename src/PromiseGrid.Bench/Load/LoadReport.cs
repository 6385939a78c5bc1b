using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PromiseGrid.Bench.Load;

/// <summary>The figures of one load run with the grid/baseline ratio, as a table and as JSON.</summary>
/// <remarks>
/// A mode that measures several things (<c>store</c>) also sets <see cref="Comparisons"/>: the table
/// then has a row pair per comparison and an MB/s column, and the JSON a <c>comparisons</c> array;
/// <see cref="Grid"/> and <see cref="Baseline"/> are its first pair. The other modes leave it null
/// and print exactly as before.
/// </remarks>
public sealed record LoadReport(string Mode, LoadOptions Options, LoadFigure Grid, LoadFigure Baseline, string Machine)
{
    public double Ratio => Baseline.PerSecond == 0 ? 0 : Grid.PerSecond / Baseline.PerSecond;

    /// <summary>Every (grid, baseline) pair of a mode that measures several; null for the single-pair modes.</summary>
    public IReadOnlyList<LoadComparison>? Comparisons { get; init; }

    /// <summary>What such a mode adds to the heading (sizes, where files went); used only with <see cref="Comparisons"/>.</summary>
    public string? Notes { get; init; }

    public string ToTable()
    {
        if (Comparisons is { } comparisons) return ComparisonTable(comparisons);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{Mode}: {Options.Concurrency} requesters, {Options.PayloadBytes} B payload, {Options.Seconds:0.#} s measured per figure in {Options.Rounds} alternating rounds after {Options.WarmupSeconds:0.#} s warm-up; {Machine}");
        text.AppendLine("| figure | completions/s | p50 µs | p99 µs | p99.9 µs | allocated B/op | failed |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var f in new[] { Grid, Baseline })
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Name} | {f.PerSecond:N0} | {f.P50Micros:N1} | {f.P99Micros:N1} | {f.P999Micros:N1} | {f.AllocatedBytesPerOp:N0} | {f.Failed} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ratio grid/baseline | {Ratio:0.00} | | | | | |");
        return text.ToString();
    }

    public string ToJson() => Comparisons is null
        ? JsonSerializer.Serialize(new
        {
            mode = Mode,
            machine = Machine,
            options = Options,
            grid = Grid,
            baseline = Baseline,
            ratio = Ratio,
        }, JsonOptions)
        : JsonSerializer.Serialize(new
        {
            mode = Mode,
            machine = Machine,
            notes = Notes,
            options = Options,
            grid = Grid,
            baseline = Baseline,
            ratio = Ratio,
            comparisons = Comparisons.Select(c => new
            {
                name = c.Name,
                bytesPerOp = c.BytesPerOp,
                grid = c.Grid,
                baseline = c.Baseline,
                ratio = c.Ratio,
                gridMegabytesPerSecond = c.GridMegabytesPerSecond,
                baselineMegabytesPerSecond = c.BaselineMegabytesPerSecond,
            }),
        }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A row per figure with MB/s, each pair followed by its ratio.</summary>
    private string ComparisonTable(IReadOnlyList<LoadComparison> comparisons)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{Mode}: {Options.Concurrency} requesters, {Options.Seconds:0.#} s measured per figure in {Options.Rounds} alternating rounds after {Options.WarmupSeconds:0.#} s warm-up; {Notes}; {Machine}");
        text.AppendLine("| figure | completions/s | MB/s | p50 µs | p99 µs | p99.9 µs | allocated B/op | failed |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in comparisons)
        {
            foreach (var (f, megabytes) in new[] { (c.Grid, c.GridMegabytesPerSecond), (c.Baseline, c.BaselineMegabytesPerSecond) })
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {c.Name}, {f.Name} | {f.PerSecond:N0} | {(c.BytesPerOp == 0 ? "" : megabytes.ToString("N1", CultureInfo.InvariantCulture))} | {f.P50Micros:N1} | {f.P99Micros:N1} | {f.P999Micros:N1} | {f.AllocatedBytesPerOp:N0} | {f.Failed} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name}, ratio grid/baseline | {c.Ratio:0.00} | | | | | | |");
        }
        return text.ToString();
    }

    public static string DescribeMachine() =>
        $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}";
}
