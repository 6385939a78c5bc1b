using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PromiseGrid.Bench.Load;

/// <summary>The figures of one load run with the grid/baseline ratio, as a table and as JSON.</summary>
public sealed record LoadReport(string Mode, LoadOptions Options, LoadFigure Grid, LoadFigure Baseline, string Machine)
{
    public double Ratio => Baseline.PerSecond == 0 ? 0 : Grid.PerSecond / Baseline.PerSecond;

    public string ToTable()
    {
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

    public string ToJson() => JsonSerializer.Serialize(new
    {
        mode = Mode,
        machine = Machine,
        options = Options,
        grid = Grid,
        baseline = Baseline,
        ratio = Ratio,
    }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    public static string DescribeMachine() =>
        $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}";
}
