using System.Diagnostics.Metrics;

namespace PromiseGrid.Kernel.Caching;

/// <summary>
/// The completion cache's figures on the node's <see cref="Diagnostics.GridMeters.Cache"/> meter: observed
/// when collected from the cache's own counters, so a lookup costs nothing more.
/// </summary>
internal static class CacheInstruments
{
    public static void Observe(Meter meter, CompletionCache cache)
    {
        meter.CreateObservableCounter("promisegrid_cache_hits", () => cache.Hits,
            description: "Requests for pure routes answered from the completion cache.");
        meter.CreateObservableCounter("promisegrid_cache_misses", () => cache.Misses,
            description: "Requests for pure routes the cache did not hold.");
        meter.CreateObservableCounter("promisegrid_cache_evictions", () => cache.Evictions,
            description: "Entries dropped to stay within promisegrid.cache.max-bytes.");
        meter.CreateObservableGauge("promisegrid_cache_bytes", () => cache.Bytes, unit: "By",
            description: "Memory the cached sequences and completions take.");
        meter.CreateObservableGauge("promisegrid_cache_entries", () => cache.Count,
            description: "Completions in the cache.");
    }
}
