using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PromiseGrid.Bench.Idle;

/// <summary>CPU % of a core of each node and each bare process over one window.</summary>
internal sealed record IdleRound(double[] Nodes, double[] Bare)
{
    public double NodeMean => Nodes.Average();
    public double BareMean => Bare.Average();
    public double Ratio => BareMean == 0 ? double.NaN : NodeMean / BareMean;
}

/// <summary>CPU % of a core that threads of one name spent, per process of a kind.</summary>
internal sealed record IdleThread(string Name, double Percent);

/// <summary>The figures of an idle run, as a table and as JSON.</summary>
internal sealed record IdleReport(IdleOptions Options, IReadOnlyList<IdleRound> Rounds,
    IReadOnlyList<IdleThread> NodeThreads, IReadOnlyList<IdleThread> BareThreads,
    string Machine, string LoadBefore, string LoadAfter, string NodeDll)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public double MedianRatio => Median(Rounds.Select(r => r.Ratio));

    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"idle: {Options.Nodes} node process(es) (PG_MODULES=echo,sys) and {Options.Nodes} bare Akka.Cluster process(es) side by side, {Options.Rounds} round(s) of {Options.Seconds:0.#} s after {Options.WarmupSeconds:0.#} s warm-up; {Machine}; load average {LoadBefore} before, {LoadAfter} after");
        text.AppendLine("| round | node CPU % of a core (mean) | bare CPU % (mean) | ratio node/bare | node processes | bare processes |");
        text.AppendLine("|---:|---:|---:|---:|---|---|");
        for (var i = 0; i < Rounds.Count; i++)
        {
            var r = Rounds[i];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {i + 1} | {r.NodeMean:0.00} | {r.BareMean:0.00} | {r.Ratio:0.00} | {Join(r.Nodes)} | {Join(r.Bare)} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| median | {Median(Rounds.Select(r => r.NodeMean)):0.00} | {Median(Rounds.Select(r => r.BareMean)):0.00} | {MedianRatio:0.00} (range {Rounds.Min(r => r.Ratio):0.00}–{Rounds.Max(r => r.Ratio):0.00}) | | |");
        text.AppendLine();
        text.AppendLine("| threads alive at the end of a round (CPU % of a core per process, averaged over rounds) | node | bare |");
        text.AppendLine("|---|---:|---:|");
        var names = NodeThreads.Concat(BareThreads).GroupBy(t => t.Name).Select(g => (Name: g.Key, Max: g.Max(t => t.Percent)))
            .OrderByDescending(t => t.Max).Where(t => t.Max >= 0.005).Take(12);
        foreach (var (name, _) in names)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {NodeThreads.FirstOrDefault(t => t.Name == name)?.Percent ?? 0:0.00} | {BareThreads.FirstOrDefault(t => t.Name == name)?.Percent ?? 0:0.00} |");
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        mode = IdleBench.Mode,
        machine = Machine,
        load_average_before = LoadBefore,
        load_average_after = LoadAfter,
        node_dll = NodeDll,
        nodes = Options.Nodes,
        seconds = Options.Seconds,
        warmup_seconds = Options.WarmupSeconds,
        rounds = Rounds.Select(r => new { node_percent = r.Nodes, bare_percent = r.Bare, node_mean = r.NodeMean, bare_mean = r.BareMean, ratio = r.Ratio }),
        median_ratio = MedianRatio,
        node_threads = NodeThreads,
        bare_threads = BareThreads,
    }, JsonOptions);

    private static string Join(double[] values) => string.Join(" ", values.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
