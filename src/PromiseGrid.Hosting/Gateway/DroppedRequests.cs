using Akka.Event;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>
/// Requests the gateway could not read to the end because of the client: a body slower than
/// Kestrel's minimum data rate, a connection reset mid-body. Such clients are outside the
/// node's control and may come by the thousand, so each is counted, not logged: one line per
/// <see cref="Interval"/> sums them up, and a quiet interval writes nothing. A log line per
/// client (with a stack trace, as an unhandled exception would get) lets anyone flood the log.
/// Each is also counted on <c>promisegrid_gateway_dropped_requests</c> (<see cref="GatewayMetrics"/>).
/// </summary>
internal sealed class DroppedRequests : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    private readonly ILoggingAdapter _log;
    private readonly GatewayMetrics _metrics;
    private readonly Timer _timer;
    private long _slowBody;
    private long _reset;

    public DroppedRequests(ILoggingAdapter log, GatewayMetrics metrics)
    {
        _log = log;
        _metrics = metrics;
        _timer = new Timer(_ => Flush(), null, Interval, Interval);
    }

    /// <summary>Counts a body cut off by Kestrel for arriving too slowly or being incomplete.</summary>
    public void SlowBody()
    {
        Interlocked.Increment(ref _slowBody);
        _metrics.RecordSlowBody();
    }

    /// <summary>Counts a connection the client dropped while sending its body.</summary>
    public void Reset()
    {
        Interlocked.Increment(ref _reset);
        _metrics.RecordReset();
    }

    /// <summary>Writes the summary line of what was counted since the last one, if anything was.</summary>
    public void Flush()
    {
        var slow = Interlocked.Exchange(ref _slowBody, 0);
        var reset = Interlocked.Exchange(ref _reset, 0);
        if (slow + reset == 0) return;
        _log.Warning("gateway dropped requests={0} slow_or_incomplete_body={1} connection_reset={2} interval={3}s",
            slow + reset, slow, reset, (int)Interval.TotalSeconds);
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }
}
