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

    /// <summary>FLOP per byte of the figure named <paramref name="name"/>, for training and forward only.</summary>
    public double? FlopsPerByte(string name) => name switch
    {
        "training" or "training-muon" => GptFlops.Training(Config),
        "forward" => GptFlops.Forward(Config),
        _ => null,
    };

    /// <summary>GFLOP/s of a figure, if its FLOP per byte are known.</summary>
    public double? Gflops(GptBenchFigure f) => FlopsPerByte(f.Name) * f.BytesPerSecond / 1e9;

    /// <summary>The machine's peak GFLOP/s (<see cref="GptFlops.Peak"/>), if known.</summary>
    public double? PeakGflops { get; init; } = GptFlops.Peak() / 1e9;

    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{Mode}: {Describe()}; {Options.Seconds:0.#} s measured per figure after {Options.WarmupSeconds:0.#} s warm-up; {Machine}");
        text.AppendLine("| figure | bytes/s | bytes/CPU-s | GFLOP/s | of peak | ms/op | ops | operation |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var f in Figures)
        {
            var gflops = Gflops(f);
            string rate = gflops is { } g ? g.ToString("N1", CultureInfo.InvariantCulture) : "";
            string share = gflops is { } s && PeakGflops is { } peak ? (s / peak).ToString("P0", CultureInfo.InvariantCulture) : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Name} | {f.BytesPerSecond:N0} | {f.BytesPerCpuSecond:N0} | {rate} | {share} | {f.MillisecondsPerOperation:N2} | {f.Operations:N0} | {f.Operation} |");
        }
        if (PeakGflops is { } p)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"GFLOP/s counts matrix products and attention ({GptFlops.Training(Config) / 1e6:N2} MFLOP a training byte, {GptFlops.Forward(Config) / 1e6:N2} forward); peak {p:N1} GFLOP/s = {Environment.ProcessorCount} cores × the clock /proc/cpuinfo reports × 32 (AVX2, two FMA units)");
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        mode = Mode,
        machine = Machine,
        model = new { layers = Config.Layers, dim = Config.Dim, heads = Config.Heads, context = Config.Context, parameters = Parameters },
        options = Options,
        threads = Threads,
        peakGflops = PeakGflops,
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
            flopsPerByte = FlopsPerByte(f.Name),
            gflops = Gflops(f),
        }),
    }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
