using System.Globalization;
using System.Text;

namespace PromiseGrid.Node.Tests.Scale;

/// <summary>The figures of one scale measurement; <see cref="ToMarkdown"/> is what the README's Performance section quotes.</summary>
public sealed class ScaleReport
{
    public int Nodes { get; init; }
    public string Started { get; init; } = "";
    public double LoadAverageBefore { get; init; }
    public double LoadAverageAfter { get; set; }

    /// <summary>Seconds from the first node process's start to its /health 200, per node.</summary>
    public Dictionary<string, double> HealthySeconds { get; } = [];

    /// <summary>Seconds from the first node process's start until every node sees all nodes Up and reachable.</summary>
    public double AllUpSeconds { get; set; }

    public Dictionary<string, long> IdleRssBytes { get; } = [];
    public Dictionary<string, double> IdleCpuPercent { get; } = [];

    /// <summary>Milliseconds from the request that registers a route until every other node serves it.</summary>
    public List<double> RouteUsableMs { get; } = [];

    public int BulkRoutesPerNode { get; set; }
    public double BulkUsableSeconds { get; set; }
    public Dictionary<string, long> BulkRssBytes { get; } = [];
    public List<double> RouteUsableWithBulkMs { get; } = [];

    public double LoadCompletionsPerSecond { get; set; }
    public long LoadCompleted { get; set; }
    public long LoadFailed { get; set; }
    public int LoadRequesters { get; set; }

    /// <summary>Seconds from SIGKILL until no other node routes to the killed node's route any more (404 everywhere).</summary>
    public double KilledOutOfUseSeconds { get; set; }

    /// <summary>Seconds from SIGKILL until no remaining node lists the killed incarnation as a member (downed and removed).</summary>
    public double KilledRemovedSeconds { get; set; }

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        // Nearest rank: the smallest value at or above which p of the values lie.
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public string ToMarkdown()
    {
        static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
        static string MiB(long bytes) => F(bytes / 1048576.0, "0");
        static string Range<T>(IEnumerable<T> values, Func<T, string> format) where T : IComparable<T>
        {
            var list = values.ToList();
            return list.Count == 0 ? "-" : $"{format(list.Min()!)}–{format(list.Max()!)}";
        }
        var text = new StringBuilder();
        text.AppendLine($"{Nodes} nodes, started {Started}, load average {F(LoadAverageBefore, "0.0")} before, {F(LoadAverageAfter, "0.0")} after");
        text.AppendLine();
        text.AppendLine("| figure | value |");
        text.AppendLine("|---|---:|");
        text.AppendLine($"| all {Nodes} Up in every node's view, from the first process's start | {F(AllUpSeconds)} s |");
        text.AppendLine($"| each node's /health 200, from the first process's start | {Range(HealthySeconds.Values, v => F(v))} s |");
        text.AppendLine($"| a route registered on one node usable from all {Nodes - 1} others ({RouteUsableMs.Count} routes), p50 / p99 / max | {F(Percentile(RouteUsableMs, 50), "0")} / {F(Percentile(RouteUsableMs, 99), "0")} / {F(RouteUsableMs.DefaultIfEmpty(double.NaN).Max(), "0")} ms |");
        if (BulkRoutesPerNode > 0)
        {
            text.AppendLine($"| {BulkRoutesPerNode:N0} routes registered at once on each node, usable from every node | {F(BulkUsableSeconds)} s |");
            text.AppendLine($"| the same with {BulkRoutesPerNode:N0} routes per node already registered ({RouteUsableWithBulkMs.Count} routes), p50 / p99 / max | {F(Percentile(RouteUsableWithBulkMs, 50), "0")} / {F(Percentile(RouteUsableWithBulkMs, 99), "0")} / {F(RouteUsableWithBulkMs.DefaultIfEmpty(double.NaN).Max(), "0")} ms |");
            text.AppendLine($"| memory (RSS) per node with {BulkRoutesPerNode * Nodes:N0} routes in the grid | {Range(BulkRssBytes.Values, MiB)} MiB |");
        }
        text.AppendLine($"| a SIGKILLed node's routes out of use on every other node | {F(KilledOutOfUseSeconds)} s |");
        text.AppendLine($"| the SIGKILLed node downed and removed in every other node's view | {F(KilledRemovedSeconds)} s |");
        text.AppendLine($"| completions/s through all {Nodes} gateways at once, each to a route on the next node ({LoadRequesters} requesters; {LoadFailed} failed) | {F(LoadCompletionsPerSecond, "N0")} |");
        text.AppendLine($"| memory (RSS) per node, idle | {Range(IdleRssBytes.Values, MiB)} MiB |");
        text.AppendLine($"| CPU per idle node (% of one core) | {Range(IdleCpuPercent.Values, v => F(v))} (mean {F(IdleCpuPercent.Values.DefaultIfEmpty(double.NaN).Average())}) |");
        return text.ToString();
    }
}
