using System.Diagnostics;
using System.Diagnostics.Metrics;
using PromiseGrid.Kernel.Diagnostics;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>
/// The gateway's figures as instruments on the node's <see cref="GridMeters.Gateway"/> meter
/// (exported by <see cref="Telemetry.GridTelemetry"/>). With nothing listening a record costs a
/// check per instrument; with an exporter, a few lock-free adds per request.
/// </summary>
internal sealed class GatewayMetrics : IDisposable
{
    // Latency histogram bucket bounds, in seconds, as advice to whichever exporter reads it.
    private static readonly double[] Bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // One tag per status, made once: recording a completion allocates nothing.
    private static readonly KeyValuePair<string, object?>[] StatusTags =
        Enum.GetValues<CompletionStatus>().Select(s => new KeyValuePair<string, object?>("status", s.ToString())).ToArray();

    private static readonly KeyValuePair<string, object?> SlowBodyTag = new("reason", "slow_or_incomplete_body");
    private static readonly KeyValuePair<string, object?> ResetTag = new("reason", "connection_reset");

    private readonly Meter _meter;
    private readonly Counter<long> _completions;
    private readonly Counter<long> _tooLarge;
    private readonly Counter<long> _requestBytes;
    private readonly Counter<long> _responseBytes;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _dropped;

    /// <param name="node">The node's actor system, the meter's scope.</param>
    public GatewayMetrics(object node)
    {
        _meter = GridMeters.Create(GridMeters.Gateway, node);
        _completions = _meter.CreateCounter<long>("promisegrid_gateway_completions",
            description: "Completions requested through the gateway, by outcome.");
        _tooLarge = _meter.CreateCounter<long>("promisegrid_gateway_oversize_rejected",
            description: "Request bodies over the size limit, refused with 413 before entering the grid.");
        _requestBytes = _meter.CreateCounter<long>("promisegrid_gateway_request_bytes", unit: "By",
            description: "Sequence bytes received.");
        _responseBytes = _meter.CreateCounter<long>("promisegrid_gateway_response_bytes", unit: "By",
            description: "Completion bytes sent.");
        _latency = _meter.CreateHistogram("promisegrid_gateway_latency", unit: "s",
            description: "Time from request body read to completion.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Bounds });
        _dropped = _meter.CreateCounter<long>("promisegrid_gateway_dropped_requests",
            description: "Requests the client cut off while sending the body (too slow, incomplete, or the connection reset).");
        // Every outcome is a series from the start, so a rate over it never starts from nothing.
        foreach (var tag in StatusTags) _completions.Add(0, tag);
    }

    public void Record(CompletionStatus status, int requestBytes, int responseBytes, long startedTimestamp)
    {
        _completions.Add(1, StatusTags[(int)status]);
        _requestBytes.Add(requestBytes);
        _responseBytes.Add(responseBytes);
        _latency.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }

    /// <summary>A body over the size limit, refused before it entered the grid.</summary>
    public void RecordTooLarge() => _tooLarge.Add(1);

    /// <summary>A body Kestrel cut off for arriving too slowly or being incomplete.</summary>
    public void RecordSlowBody() => _dropped.Add(1, SlowBodyTag);

    /// <summary>A connection the client dropped while sending its body.</summary>
    public void RecordReset() => _dropped.Add(1, ResetTag);

    public void Dispose() => _meter.Dispose();
}
