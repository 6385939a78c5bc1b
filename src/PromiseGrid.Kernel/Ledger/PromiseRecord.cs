using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Ledger;

/// <summary>
/// How one provider has kept its promise for one prefix, as this node's requesters saw it:
/// lifetime counts of promises kept and broken, the last reason one was broken, a latency
/// estimate, and the <see cref="Score"/> provider choice reads.
/// </summary>
/// <remarks>
/// <para>Written by any requester thread at once, read by the router: every update is an
/// interlocked add or a compare-and-swap, with no lock and no allocation (a broken promise
/// stores its reason string, which the completion already carries).</para>
/// <para><see cref="Score"/> is an exponentially weighted mean of recent outcomes (kept 1,
/// broken 0), weight <see cref="ScoreWeight"/> on the newest: it forgets old outcomes, so a
/// provider that broke promises an hour ago and has kept 50 since scores above 0.99 again. A
/// provider nobody has relied on yet scores 1: it is trusted until it breaks a promise.</para>
/// </remarks>
public sealed class PromiseRecord
{
    /// <summary>Weight of the newest outcome in <see cref="Score"/>: about the last ten outcomes count.</summary>
    internal const double ScoreWeight = 0.1;

    /// <summary>Weight of the newest kept promise's latency in <see cref="LatencyMs"/>.</summary>
    internal const double LatencyWeight = 0.1;

    /// <summary>Longest reason kept: reasons come from module exceptions and should not grow the ledger.</summary>
    private const int MaxReasonChars = 200;

    private long _kept;
    private long _broken;
    private double _score = 1.0;
    private double _latencyMs = -1; // none yet; a sentinel, not NaN, so compare-and-swap can compare it
    private string? _lastReason;

    internal PromiseRecord(string provider, Sequence prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        Provider = provider;
        Prefix = prefix;
    }

    /// <summary><c>module@node</c>, as completions name the provider.</summary>
    public string Provider { get; }

    /// <summary>The registered prefix the promise is about.</summary>
    public Sequence Prefix { get; }

    /// <summary>Promises kept since this node started.</summary>
    public long Kept => Volatile.Read(ref _kept);

    /// <summary>Promises broken since this node started.</summary>
    public long Broken => Volatile.Read(ref _broken);

    /// <summary>Recent reliability in [0, 1]: 1 for a provider that kept its recent promises, near 0 for one that broke them.</summary>
    public double Score => Volatile.Read(ref _score);

    /// <summary>Exponentially weighted mean latency of kept promises, in milliseconds; null before the first.</summary>
    public double? LatencyMs => Volatile.Read(ref _latencyMs) is var ms && ms >= 0 ? ms : null;

    /// <summary>Why the last broken promise was broken; null if none was.</summary>
    public string? LastBrokenReason => Volatile.Read(ref _lastReason);

    /// <summary>Records one promise kept, <paramref name="latency"/> after the request was sent.</summary>
    internal void RecordKept(TimeSpan latency)
    {
        Interlocked.Increment(ref _kept);
        var ms = Math.Max(0, latency.TotalMilliseconds);
        double seen, next;
        do
        {
            seen = Volatile.Read(ref _latencyMs);
            next = seen < 0 ? ms : seen + LatencyWeight * (ms - seen);
        }
        while (Interlocked.CompareExchange(ref _latencyMs, next, seen) != seen);
        // A provider at full score stays there: no write, so a healthy provider's record is only read.
        if (Volatile.Read(ref _score) < 1.0) MoveScore(1.0);
    }

    /// <summary>Records one promise broken, and why.</summary>
    internal void RecordBroken(string? reason)
    {
        Interlocked.Increment(ref _broken);
        reason ??= "(no reason given)";
        Volatile.Write(ref _lastReason, reason.Length <= MaxReasonChars ? reason : string.Concat(reason.AsSpan(0, MaxReasonChars), "…"));
        MoveScore(0.0);
    }

    private void MoveScore(double outcome)
    {
        double seen, next;
        do
        {
            seen = Volatile.Read(ref _score);
            next = seen + ScoreWeight * (outcome - seen);
        }
        while (Interlocked.CompareExchange(ref _score, next, seen) != seen);
    }

    public override string ToString() => $"{Provider} {Prefix.ToString(64)} kept={Kept} broken={Broken} score={Score:F3}";
}
