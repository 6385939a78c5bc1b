using System.Text.Json.Serialization;
using PromiseGrid.Core;
using PromiseGrid.Hosting.Node;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Ledger;
using PromiseGrid.Kernel.Membership;
using PromiseGrid.Kernel.Routing;

namespace PromiseGrid.Hosting.Dashboard;

/// <summary>
/// What <c>GET /dashboard/state</c> answers (README.md#observe-the-dashboard): the node, what the reader may
/// see (<see cref="DashboardScope"/>), then each section; a section the reader may not see is null.
/// Routes, ledger and member rows keep the names of <c>GET /routes</c>, <c>sys/ledger</c> and
/// <c>sys/members</c> (members add <c>self</c>).
/// </summary>
internal sealed record DashboardState(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("time")] long TimeUnixMs,
    [property: JsonPropertyName("scope")] DashboardState.ScopeView Scope,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberView>? Members,
    [property: JsonPropertyName("routes")] IReadOnlyList<RouteView> Routes,
    [property: JsonPropertyName("ledger")] IReadOnlyList<LedgerView> Ledger,
    [property: JsonPropertyName("completions")] DashboardState.CompletionsView? Completions,
    [property: JsonPropertyName("cache")] DashboardState.CacheView? Cache)
{
    /// <summary>Seconds of completion figures in one answer: the page draws the last five minutes.</summary>
    public const int TimelineSeconds = CompletionTimeline.Seconds - 1;

    public static DashboardState Of(GridNode node, DashboardScope scope)
    {
        var grid = node.Grid;
        var cluster = node.Cluster;
        var routes = grid.Routes.Views().Where(r => scope.ShowsRoute(Convert.FromHexString(r.PrefixHex))).ToList();
        var ledger = grid.Ledger.Records().Where(r => scope.ShowsLedger(r.Prefix.Span)).Select(LedgerView.Of).ToList();
        return new DashboardState(
            cluster.SelfAddress.ToString(),
            cluster.SelfMember.Status.ToString(),
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            new ScopeView(node.Grid.Security.Enforced, scope.Prefix, scope.Members, scope.AllRoutes, scope.AllLedger, scope.Cache),
            scope.Members ? MemberView.Of(node.System, markSelf: true) : null,
            routes,
            ledger,
            scope.Completions ? CompletionsView.Of(grid.Timeline.Snapshot(TimelineSeconds)) : null,
            scope.Cache ? CacheView.Of(grid.Cache) : null);
    }

    /// <summary>Whether the node checks tokens, the reader's token prefix, and which sections are whole.</summary>
    public sealed record ScopeView(
        [property: JsonPropertyName("checked")] bool Checked,
        [property: JsonPropertyName("prefix")] string? Prefix,
        [property: JsonPropertyName("members")] bool Members,
        [property: JsonPropertyName("allRoutes")] bool AllRoutes,
        [property: JsonPropertyName("allLedger")] bool AllLedger,
        [property: JsonPropertyName("cache")] bool Cache);

    /// <summary>Per second, oldest first: entry i is Unix second <c>firstSecond</c> + i.</summary>
    public sealed record CompletionsView(
        [property: JsonPropertyName("firstSecond")] long FirstSecond,
        [property: JsonPropertyName("completed")] long[] Completed,
        [property: JsonPropertyName("failed")] long[] Failed,
        [property: JsonPropertyName("meanMs")] double[] MeanMs,
        [property: JsonPropertyName("maxMs")] double[] MaxMs)
    {
        public static CompletionsView Of(TimelineSnapshot s) => new(s.FirstSecond, s.Completed, s.Failed, s.MeanMs, s.MaxMs);
    }

    public sealed record CacheView(
        [property: JsonPropertyName("enabled")] bool Enabled,
        [property: JsonPropertyName("entries")] int Entries,
        [property: JsonPropertyName("bytes")] long Bytes,
        [property: JsonPropertyName("maxBytes")] long MaxBytes,
        [property: JsonPropertyName("hits")] long Hits,
        [property: JsonPropertyName("misses")] long Misses,
        [property: JsonPropertyName("evictions")] long Evictions)
    {
        public static CacheView Of(CompletionCache cache) =>
            new(cache.Enabled, cache.Count, cache.Bytes, cache.Settings.MaxBytes, cache.Hits, cache.Misses, cache.Evictions);
    }
}
