using System.Diagnostics;
using System.Globalization;
using System.Text;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Ledger;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>
/// Counters of the gateway in Prometheus text format (<c>GET /metrics</c>). Plain interlocked
/// counters: recording costs a few atomic adds per request and no allocation. The node's
/// promise ledger is rendered alongside, per provider and prefix.
/// </summary>
internal sealed class GatewayMetrics
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
        Header(text, "promisegrid_gateway_completions_total", "counter", "Completions requested through the gateway, by outcome.");
        foreach (var status in Statuses)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_gateway_completions_total{{status=\"{status}\"}} {Volatile.Read(ref _byStatus[(int)status])}\n");
        Single(text, "promisegrid_gateway_oversize_rejected_total", "counter", "Request bodies over the size limit, refused with 413 before entering the grid.", Volatile.Read(ref _rejectedTooLarge));
        Single(text, "promisegrid_gateway_request_bytes_total", "counter", "Sequence bytes received.", Volatile.Read(ref _requestBytes));
        Single(text, "promisegrid_gateway_response_bytes_total", "counter", "Completion bytes sent.", Volatile.Read(ref _responseBytes));
        Header(text, "promisegrid_gateway_latency_seconds", "histogram", "Time from request body read to completion.");
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
        Single(text, "promisegrid_routes", "gauge", "Routes in this node's table.", routes);
        Single(text, "promisegrid_cluster_members", "gauge", "Members of the cluster as this node sees it.", members);
        RenderLedger(text, ledger?.Records() ?? []);
        if (cache is not null) RenderCache(text, cache);
        return text.ToString();
    }

    private static void RenderCache(StringBuilder text, CompletionCache cache)
    {
        Single(text, "promisegrid_cache_hits_total", "counter", "Requests for pure routes answered from the completion cache.", cache.Hits);
        Single(text, "promisegrid_cache_misses_total", "counter", "Requests for pure routes the cache did not hold.", cache.Misses);
        Single(text, "promisegrid_cache_evictions_total", "counter", "Entries dropped to stay within promisegrid.cache.max-bytes.", cache.Evictions);
        Single(text, "promisegrid_cache_bytes", "gauge", "Memory the cached sequences and completions take.", cache.Bytes);
        Single(text, "promisegrid_cache_entries", "gauge", "Completions in the cache.", cache.Count);
    }

    private static void RenderLedger(StringBuilder text, IReadOnlyList<PromiseRecord> records)
    {
        var labels = new string[records.Count];
        for (var i = 0; i < records.Count; i++)
            labels[i] = $"provider=\"{EscapeLabel(records[i].Provider)}\",prefix=\"{EscapeLabel(records[i].Prefix.ToString())}\"";
        Header(text, "promisegrid_promises_kept_total", "counter", "Promises kept (completed) per provider and prefix, as this node's requesters saw them.");
        for (var i = 0; i < records.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_promises_kept_total{{{labels[i]}}} {records[i].Kept}\n");
        Header(text, "promisegrid_promises_broken_total", "counter", "Promises broken (deadline passed or module failed) per provider and prefix, as this node's requesters saw them.");
        for (var i = 0; i < records.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_promises_broken_total{{{labels[i]}}} {records[i].Broken}\n");
        Header(text, "promisegrid_promise_latency_seconds", "gauge", "Exponentially weighted mean latency of kept promises per provider and prefix.");
        for (var i = 0; i < records.Count; i++)
            if (records[i].LatencyMs is { } ms)
                text.Append(CultureInfo.InvariantCulture, $"promisegrid_promise_latency_seconds{{{labels[i]}}} {ms / 1000}\n");
        Header(text, "promisegrid_promise_score", "gauge", "Recent reliability (0 to 1) per provider and prefix, which provider choice reads.");
        for (var i = 0; i < records.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"promisegrid_promise_score{{{labels[i]}}} {records[i].Score}\n");
    }

    /// <summary>A Prometheus label value: backslash, double quote and line feed escaped.</summary>
    internal static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>The HELP and TYPE lines of one metric (Prometheus text format 0.0.4).</summary>
    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    /// <summary>A metric with one unlabelled sample.</summary>
    private static void Single(StringBuilder text, string name, string type, string help, long value)
    {
        Header(text, name, type, help);
        text.Append(CultureInfo.InvariantCulture, $"{name} {value}\n");
    }
}
