using System.Diagnostics;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// Wall-clock Unix milliseconds for deadlines, derived from the monotonic timestamp a requester
/// takes anyway, instead of reading the system clock per request (a measurable share of a
/// local completion). Re-based on the system clock every few seconds, so clock adjustments
/// reach deadlines within that time; deadlines only need millisecond agreement between nodes.
/// </summary>
internal static class DeadlineClock
{
    private static readonly long RebaseTicks = Stopwatch.Frequency * 5;
    private static Base _base = new(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Stopwatch.GetTimestamp());

    /// <summary>Unix milliseconds at <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public static long UnixMsAt(long timestamp)
    {
        var current = Volatile.Read(ref _base);
        var elapsed = timestamp - current.Timestamp;
        if (elapsed > RebaseTicks || elapsed < 0)
        {
            // Benign race: concurrent callers may each re-base; any of their bases is right.
            current = new Base(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Stopwatch.GetTimestamp());
            Volatile.Write(ref _base, current);
            elapsed = timestamp - current.Timestamp;
        }
        return current.UnixMs + elapsed * 1000 / Stopwatch.Frequency;
    }

    public static long NowUnixMs() => UnixMsAt(Stopwatch.GetTimestamp());

    private sealed record Base(long UnixMs, long Timestamp);
}
