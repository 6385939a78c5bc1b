using System.Diagnostics;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// Completions this node requested, per second over the last <see cref="Seconds"/> seconds: how
/// many completed, how many did not (any other status), and their latency (mean and max). The
/// node's client records every completion it ends, whoever asked (the gateway, a module, a host's
/// code); the dashboard draws it (README.md#observe-the-dashboard).
/// </summary>
/// <remarks>
/// A ring of per-second slots in flat arrays: recording is a few interlocked operations and no
/// allocation, with no lock. The first completion of a new second claims its slot by a
/// compare-and-swap of the slot's second and clears the slot; a completion recorded into that slot
/// by another thread in the same instant may be lost. That is the price of no lock, and a figure
/// for a page, not for billing.
/// </remarks>
public sealed class CompletionTimeline
{
    /// <summary>How many seconds are kept: five minutes.</summary>
    public const int Seconds = 300;

    private readonly long[] _second = new long[Seconds];
    private readonly long[] _completed = new long[Seconds];
    private readonly long[] _failed = new long[Seconds];
    private readonly long[] _latencyTicks = new long[Seconds];
    private readonly long[] _maxTicks = new long[Seconds];

    /// <summary>Made by the node's client, which alone records into it.</summary>
    internal CompletionTimeline() { }

    /// <summary>Records one completion that ended now, <paramref name="startedTimestamp"/> (a <see cref="Stopwatch"/> timestamp) after it was sent.</summary>
    internal void Record(CompletionStatus status, long startedTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        var second = DeadlineClock.UnixMsAt(now) / 1000;
        var slot = (int)(second % Seconds);
        var seen = Volatile.Read(ref _second[slot]);
        if (seen != second)
        {
            if (seen > second) return; // a clock step back: drop rather than mix two seconds
            if (Interlocked.CompareExchange(ref _second[slot], second, seen) == seen)
            {
                Volatile.Write(ref _completed[slot], 0);
                Volatile.Write(ref _failed[slot], 0);
                Volatile.Write(ref _latencyTicks[slot], 0);
                Volatile.Write(ref _maxTicks[slot], 0);
            }
        }
        if (status == CompletionStatus.Completed) Interlocked.Increment(ref _completed[slot]);
        else Interlocked.Increment(ref _failed[slot]);
        var ticks = Math.Max(0, now - startedTimestamp);
        Interlocked.Add(ref _latencyTicks[slot], ticks);
        var max = Volatile.Read(ref _maxTicks[slot]);
        while (ticks > max)
        {
            var was = Interlocked.CompareExchange(ref _maxTicks[slot], ticks, max);
            if (was == max) break;
            max = was;
        }
    }

    /// <summary>The last <paramref name="seconds"/> whole seconds before the current one, oldest first; seconds with no completion are zeros.</summary>
    public TimelineSnapshot Snapshot(int seconds = Seconds - 1)
    {
        seconds = Math.Clamp(seconds, 1, Seconds - 1);
        var current = DeadlineClock.NowUnixMs() / 1000;
        var first = current - seconds;
        var completed = new long[seconds];
        var failed = new long[seconds];
        var meanMs = new double[seconds];
        var maxMs = new double[seconds];
        for (var i = 0; i < seconds; i++)
        {
            var second = first + i;
            var slot = (int)(second % Seconds);
            if (Volatile.Read(ref _second[slot]) != second) continue;
            completed[i] = Volatile.Read(ref _completed[slot]);
            failed[i] = Volatile.Read(ref _failed[slot]);
            var count = completed[i] + failed[i];
            if (count == 0) continue;
            meanMs[i] = Math.Round(Volatile.Read(ref _latencyTicks[slot]) * 1000.0 / Stopwatch.Frequency / count, 3);
            maxMs[i] = Math.Round(Volatile.Read(ref _maxTicks[slot]) * 1000.0 / Stopwatch.Frequency, 3);
        }
        return new TimelineSnapshot(first, completed, failed, meanMs, maxMs);
    }
}

/// <summary>
/// Per-second completion figures: entry <c>i</c> of each array is the second
/// <see cref="FirstSecond"/> + <c>i</c> (Unix seconds).
/// </summary>
public sealed record TimelineSnapshot(long FirstSecond, long[] Completed, long[] Failed, double[] MeanMs, double[] MaxMs);
