using System.Diagnostics;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// Shared by the requesters of one round: they record each round trip; only those that end
/// inside the measuring window count, so warm-up is excluded and the window's allocation is
/// read from the runtime's own counter. A fresh meter (and fresh requesters) serve each round.
/// A window lasts its length and at least until one request has ended in it (at most
/// <see cref="MaxStretch"/>): on a machine stalled for longer than a short window, the figure is
/// lower for the longer window, never zero for a side that works.
/// </summary>
public sealed class LoadMeter
{
    private readonly LatencyHistogram _latency = new();
    private volatile bool _measuring;
    private volatile bool _stopped;
    private long _completed;
    private long _failed;
    private long _windowStart;
    private long _windowEnd;
    private long _allocatedAtStart;
    private long _allocatedAtEnd;
    private readonly TaskCompletionSource _firstInWindow = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How long a window may stretch past its length while no request has ended in it.</summary>
    public static readonly TimeSpan MaxStretch = TimeSpan.FromSeconds(30);

    public bool Stopped => _stopped;

    public void Record(long startedTimestamp, bool ok)
    {
        if (!_measuring) return;
        _latency.Record(Stopwatch.GetTimestamp() - startedTimestamp);
        if (ok) Interlocked.Increment(ref _completed);
        else Interlocked.Increment(ref _failed);
        _firstInWindow.TrySetResult();
    }

    /// <summary>Warm up, measure for <paramref name="window"/>, then tell requesters to stop.</summary>
    public async Task RunAsync(TimeSpan warmup, TimeSpan window)
    {
        await Task.Delay(warmup);
        _allocatedAtStart = GC.GetTotalAllocatedBytes(precise: true);
        _windowStart = Stopwatch.GetTimestamp();
        _measuring = true;
        await Task.Delay(window);
        await Task.WhenAny(_firstInWindow.Task, Task.Delay(MaxStretch));
        _measuring = false;
        _windowEnd = Stopwatch.GetTimestamp();
        _allocatedAtEnd = GC.GetTotalAllocatedBytes(precise: true);
        _stopped = true;
    }

    /// <summary>One figure from the measuring windows of several rounds: totals over total time, merged latencies.</summary>
    public static LoadFigure Combine(string mode, string name, IReadOnlyList<LoadMeter> rounds)
    {
        var latency = new LatencyHistogram();
        double seconds = 0;
        long completed = 0, failed = 0, allocated = 0;
        foreach (var round in rounds)
        {
            latency.Add(round._latency);
            seconds += Stopwatch.GetElapsedTime(round._windowStart, round._windowEnd).TotalSeconds;
            completed += Interlocked.Read(ref round._completed);
            failed += Interlocked.Read(ref round._failed);
            allocated += round._allocatedAtEnd - round._allocatedAtStart;
        }
        static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        return new LoadFigure(mode, name, seconds == 0 ? 0 : completed / seconds, failed,
            Micros(latency.Percentile(0.50)), Micros(latency.Percentile(0.99)), Micros(latency.Percentile(0.999)),
            completed == 0 ? 0 : (double)allocated / completed);
    }
}

/// <summary>One measured figure: throughput, latency percentiles (µs) and bytes allocated per completion.</summary>
public sealed record LoadFigure(string Mode, string Name, double PerSecond, long Failed,
    double P50Micros, double P99Micros, double P999Micros, double AllocatedBytesPerOp);
