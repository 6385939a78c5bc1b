using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Membership;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules;

/// <summary>
/// <c>sys/</c>: the grid describing itself, as JSON. <c>sys/routes</c> lists every route this
/// node knows; <c>sys/members</c> lists the cluster's members and whether they are reachable;
/// <c>sys/ledger</c> lists this node's promise ledger (per provider and prefix: kept, broken,
/// latency, score, last reason); <c>sys/cache</c> the completion cache's figures. Each query is
/// its own prefix, so an unknown one is a plain NoRoute.
/// </summary>
public sealed class SysModule() : ModuleActor("sys", RoutesQuery, MembersQuery, LedgerQuery, CacheQuery)
{
    private const string RoutesQuery = "sys/routes";
    private const string MembersQuery = "sys/members";
    private const string LedgerQuery = "sys/ledger";
    private const string CacheQuery = "sys/cache";
    private static readonly Sequence RoutesPrefix = Sequence.FromText(RoutesQuery);
    private static readonly Sequence LedgerPrefix = Sequence.FromText(LedgerQuery);
    private static readonly Sequence CachePrefix = Sequence.FromText(CacheQuery);

    // The node's own routes, ledger and cache: the runtime view, which requesters do not get.
    private readonly Kernel.Client.IGridRuntime _runtime = Kernel.Client.Grid.GetRuntime(Context.System);

    public static Props Props() => Akka.Actor.Props.Create<SysModule>();

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var json = request.Prefix == RoutesPrefix ? JsonSerializer.SerializeToUtf8Bytes(_runtime.Routes.Views())
            : request.Prefix == LedgerPrefix ? JsonSerializer.SerializeToUtf8Bytes(_runtime.Ledger.Views())
            : request.Prefix == CachePrefix ? JsonSerializer.SerializeToUtf8Bytes(CacheView.Of(_runtime.Cache))
            : JsonSerializer.SerializeToUtf8Bytes(MemberView.Of(Context.System));
        return new(new Sequence(json));
    }

    private sealed record CacheView(
        [property: JsonPropertyName("enabled")] bool Enabled,
        [property: JsonPropertyName("entries")] int Entries,
        [property: JsonPropertyName("bytes")] long Bytes,
        [property: JsonPropertyName("max_bytes")] long MaxBytes,
        [property: JsonPropertyName("hits")] long Hits,
        [property: JsonPropertyName("misses")] long Misses,
        [property: JsonPropertyName("evictions")] long Evictions)
    {
        public static CacheView Of(CompletionCache cache) =>
            new(cache.Enabled, cache.Count, cache.Bytes, cache.Settings.MaxBytes, cache.Hits, cache.Misses, cache.Evictions);
    }
}
