using System.Diagnostics;
using System.Globalization;
using System.Text;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Ledger;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Node.Gateway;

/// <summary>
/// Counters of the gateway in Prometheus text format (<c>GET /metrics</c>). Plain interlocked
/// counters: recording costs a few atomic adds per request and no allocation. The node's
/// promise ledger is rendered alongside, per provider and prefix.
/// </summary>
public sealed class GatewayMetrics
{
    // Latency histogram bucket bounds, in seconds (Prometheus "le" labels).
    private static readonly double[] Bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly CompletionStatus[] Statuses = Enum.GetValues<CompletionStatus>();

    private readonly long[] _byStatus = new long[Statuses.Length];
    private readonly long[] _buckets = new long[Bounds.Length + 1];
    private long _latencyTicks;
    private long _requestBytes;
    private long _responseBytes;
    private long _rejectedTooLarge;

    public void Record(CompletionStatus status, int requestBytes, int responseBytes, long startedTimestamp)
    {
        Interlocked.Increment(ref _byStatus[(int)status]);
        Interlocked.Add(ref _requestBytes, requestBytes);
        Interlocked.Add(ref _responseBytes, responseBytes);
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
        Interlocked.Add(ref _latencyTicks, elapsed.Ticks);
        var seconds = elapsed.TotalSeconds;
        var bucket = 0;
        while (bucket < Bounds.Length && seconds > Bounds[bucket]) bucket++;
        Interlocked.Increment(ref _buckets[bucket]);
    }

    /// <summary>A body over the size limit, refused before it entered the grid.</summary>
    public void RecordTooLarge() => Interlocked.Increment(ref _rejectedTooLarge);

    /// <param name="ledger">This node's promise ledger; null renders no ledger samples.</param>
    public string Render(int routes, int members, PromiseLedger? ledger = null, CompletionCache? cache = null)
    {
        var text = new StringBuilder();
        text.AppendLine("# HELP promisegrid_gateway_completions_total Completions requested through the gateway, by outcome.");
        text.AppendLine("# TYPE promisegrid_gateway_completions_total counter");
        foreach (var status in Statuses)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_completions_total{{status=\"{status}\"}} {Volatile.Read(ref _byStatus[(int)status])}\n");
        text.AppendLine("# HELP promisegrid_gateway_oversize_rejected_total Request bodies over the size limit, refused with 413 before entering the grid.");
        text.AppendLine("# TYPE promisegrid_gateway_oversize_rejected_total counter");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_oversize_rejected_total {Volatile.Read(ref _rejectedTooLarge)}\n");
        text.AppendLine("# HELP promisegrid_gateway_request_bytes_total Sequence bytes received.");
        text.AppendLine("# TYPE promisegrid_gateway_request_bytes_total counter");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_request_bytes_total {Volatile.Read(ref _requestBytes)}\n");
        text.AppendLine("# HELP promisegrid_gateway_response_bytes_total Completion bytes sent.");
        text.AppendLine("# TYPE promisegrid_gateway_response_bytes_total counter");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_response_bytes_total {Volatile.Read(ref _responseBytes)}\n");
        text.AppendLine("# HELP promisegrid_gateway_latency_seconds Time from request body read to completion.");
        text.AppendLine("# TYPE promisegrid_gateway_latency_seconds histogram");
        long cumulative = 0;
        for (var i = 0; i < Bounds.Length; i++)
        {
            cumulative += Volatile.Read(ref _buckets[i]);
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_latency_seconds_bucket{{le=\"{Bounds[i]}\"}} {cumulative}\n");
        }
        cumulative += Volatile.Read(ref _buckets[Bounds.Length]);
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_latency_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_latency_seconds_sum {TimeSpan.FromTicks(Volatile.Read(ref _latencyTicks)).TotalSeconds}\n");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_latency_seconds_count {cumulative}\n");
        text.AppendLine("# HELP promisegrid_routes Routes in this node's table.");
        text.AppendLine("# TYPE promisegrid_routes gauge");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_routes {routes}\n");
        text.AppendLine("# HELP promisegrid_cluster_members Members of the cluster as this node sees it.");
        text.AppendLine("# TYPE promisegrid_cluster_members gauge");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_cluster_members {members}\n");
        RenderLedger(text, ledger?.Records() ?? []);
        if (cache is not null) RenderCache(text, cache);
        return text.ToString();
    }

    private static void RenderCache(StringBuilder text, CompletionCache cache)
    {
        text.AppendLine("# HELP promisegrid_cache_hits_total Requests for pure routes answered from the completion cache.");
        text.AppendLine("# TYPE promisegrid_cache_hits_total counter");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_cache_hits_total {cache.Hits}\n");
        text.AppendLine("# HELP promisegrid_cache_misses_total Requests for pure routes the cache did not hold.");
        text.AppendLine("# TYPE promisegrid_cache_misses_total counter");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_cache_misses_total {cache.Misses}\n");
        text.AppendLine("# HELP promisegrid_cache_evictions_total Entries dropped to stay within promisegrid.cache.max-bytes.");
        text.AppendLine("# TYPE promisegrid_cache_evictions_total counter");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_cache_evictions_total {cache.Evictions}\n");
        text.AppendLine("# HELP promisegrid_cache_bytes Memory the cached sequences and completions take.");
        text.AppendLine("# TYPE promisegrid_cache_bytes gauge");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_cache_bytes {cache.Bytes}\n");
        text.AppendLine("# HELP promisegrid_cache_entries Completions in the cache.");
        text.AppendLine("# TYPE promisegrid_cache_entries gauge");
        text.Append(CultureInfo.InvariantCulture, $"promisegrid_cache_entries {cache.Count}\n");
    }

    private static void RenderLedger(StringBuilder text, IReadOnlyList<PromiseRecord> records)
    {
        var labels = new string[records.Count];
        for (var i = 0; i < records.Count; i++)
            labels[i] = $"provider=\"{EscapeLabel(records[i].Provider)}\",prefix=\"{EscapeLabel(records[i].Prefix.ToString())}\"";
        text.AppendLine("# HELP promisegrid_promises_kept_total Promises kept (completed) per provider and prefix, as this node's requesters saw them.");
        text.AppendLine("# TYPE promisegrid_promises_kept_total counter");
        for (var i = 0; i < records.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_promises_kept_total{{{labels[i]}}} {records[i].Kept}\n");
        text.AppendLine("# HELP promisegrid_promises_broken_total Promises broken (deadline passed or module failed) per provider and prefix, as this node's requesters saw them.");
        text.AppendLine("# TYPE promisegrid_promises_broken_total counter");
        for (var i = 0; i < records.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_promises_broken_total{{{labels[i]}}} {records[i].Broken}\n");
        text.AppendLine("# HELP promisegrid_promise_latency_seconds Exponentially weighted mean latency of kept promises per provider and prefix.");
        text.AppendLine("# TYPE promisegrid_promise_latency_seconds gauge");
        for (var i = 0; i < records.Count; i++)
            if (records[i].LatencyMs is { } ms)
                text.Append(CultureInfo.InvariantCulture, $"promisegrid_promise_latency_seconds{{{labels[i]}}} {ms / 1000}\n");
        text.AppendLine("# HELP promisegrid_promise_score Recent reliability (0 to 1) per provider and prefix, which provider choice reads.");
        text.AppendLine("# TYPE promisegrid_promise_score gauge");
        for (var i = 0; i < records.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_promise_score{{{labels[i]}}} {records[i].Score}\n");
    }

    /// <summary>A Prometheus label value: backslash, double quote and line feed escaped.</summary>
    internal static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
