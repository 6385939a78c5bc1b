using System.Globalization;
using System.Text;
using System.Text.Json;
using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Bench.Gpt;

/// <summary>The figures of one <c>gpt</c> bench run, as a table and as JSON.</summary>
public sealed record GptBenchReport(GptBenchOptions Options, GptConfig Config, long Parameters, int Threads,
    IReadOnlyList<GptBenchFigure> Figures, string Machine)
{
    public const string Mode = "gpt";

    /// <summary>The figure named <paramref name="name"/> (training, forward, generation).</summary>
    public GptBenchFigure this[string name] => Figures.First(f => f.Name == name);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"layers {Config.Layers}, dim {Config.Dim}, heads {Config.Heads}, context {Config.Context} ({Parameters:N0} parameters), "
        + $"batch {Options.Batch} × {Config.Context} bytes, {Threads} threads");

    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{Mode}: {Describe()}; {Options.Seconds:0.#} s measured per figure after {Options.WarmupSeconds:0.#} s warm-up; {Machine}");
        text.AppendLine("| figure | bytes/s | bytes/CPU-s | ms/op | ops | operation |");
        text.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var f in Figures)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Name} | {f.BytesPerSecond:N0} | {f.BytesPerCpuSecond:N0} | {f.MillisecondsPerOperation:N2} | {f.Operations:N0} | {f.Operation} |");
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        mode = Mode,
        machine = Machine,
        model = new { layers = Config.Layers, dim = Config.Dim, heads = Config.Heads, context = Config.Context, parameters = Parameters },
        options = Options,
        threads = Threads,
        figures = Figures.Select(f => new
        {
            name = f.Name,
            operation = f.Operation,
            bytesPerSecond = f.BytesPerSecond,
            bytesPerCpuSecond = f.BytesPerCpuSecond,
            cpuSeconds = f.CpuSeconds,
            millisecondsPerOperation = f.MillisecondsPerOperation,
            operations = f.Operations,
            bytes = f.Bytes,
            seconds = f.Seconds,
        }),
    }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
