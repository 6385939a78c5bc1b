using System.Diagnostics.Metrics;

namespace PromiseGrid.Kernel.Diagnostics;

/// <summary>
/// The names of a node's meters (<see cref="System.Diagnostics.Metrics"/>), one per area, for
/// <c>AddMeter</c> in an OpenTelemetry pipeline or <c>dotnet-counters monitor --counters</c>.
/// Every node creates its own instance of each, with its actor system as the meter's
/// <see cref="Meter.Scope"/>: several nodes in one process keep their figures apart (a node's
/// <c>/metrics</c> shows its own). README.md, "Observe: metrics", lists the instruments.
/// </summary>
public static class GridMeters
{
    /// <summary>The HTTP gateway: completions by status, bytes, latency, refused and dropped requests.</summary>
    public const string Gateway = "PromiseGrid.Gateway";

    /// <summary>The route table: routes in use.</summary>
    public const string Routing = "PromiseGrid.Routing";

    /// <summary>Cluster membership as this node sees it.</summary>
    public const string Cluster = "PromiseGrid.Cluster";

    /// <summary>The promise ledger: kept, broken, latency and score per provider and prefix.</summary>
    public const string Ledger = "PromiseGrid.Ledger";

    /// <summary>The completion cache of pure routes.</summary>
    public const string Cache = "PromiseGrid.Cache";

    /// <summary>Every meter above.</summary>
    public static IReadOnlyList<string> All { get; } = [Gateway, Routing, Cluster, Ledger, Cache];

    private static readonly string? Version = typeof(GridMeters).Assembly.GetName().Version?.ToString();

    /// <summary>A meter of one node: <paramref name="node"/> (its actor system) is the scope exporters tell nodes apart by.</summary>
    internal static Meter Create(string name, object node) => new(new MeterOptions(name) { Version = Version, Scope = node });
}
