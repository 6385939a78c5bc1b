using System.Diagnostics;

namespace PromiseGrid.Kernel.Tests;

public sealed class CompletionTimelineTests
{
    [Fact]
    public async Task A_second_once_past_shows_its_completions_failures_and_latency()
    {
        var timeline = new CompletionTimeline();
        var tenMsAgo = Stopwatch.GetTimestamp() - Stopwatch.Frequency / 100;
        var before = DeadlineClock.NowUnixMs() / 1000;
        timeline.Record(CompletionStatus.Completed, tenMsAgo);
        timeline.Record(CompletionStatus.Completed, tenMsAgo);
        timeline.Record(CompletionStatus.BrokenPromise, tenMsAgo);
        var after = DeadlineClock.NowUnixMs() / 1000;

        // Only whole seconds are shown: wait until the seconds recorded into are past.
        TimelineSnapshot snapshot;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while ((snapshot = timeline.Snapshot()).FirstSecond + snapshot.Completed.Length <= after)
                await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(CompletionTimeline.Seconds - 1, snapshot.Completed.Length);
        Assert.Equal(2, snapshot.Completed.Sum());
        Assert.Equal(1, snapshot.Failed.Sum());
        var recorded = Enumerable.Range(0, snapshot.Completed.Length)
            .Where(i => snapshot.Completed[i] + snapshot.Failed[i] > 0).ToList();
        Assert.All(recorded, i => Assert.InRange(snapshot.FirstSecond + i, before, after));
        Assert.All(recorded, i => Assert.True(snapshot.MeanMs[i] >= 10 && snapshot.MaxMs[i] >= snapshot.MeanMs[i],
            $"second {i}: mean {snapshot.MeanMs[i]} ms, max {snapshot.MaxMs[i]} ms"));
        // Seconds with nothing recorded are zeros, not leftovers.
        Assert.All(Enumerable.Range(0, snapshot.Completed.Length).Except(recorded), i => Assert.Equal(0, snapshot.MaxMs[i]));
    }

    [Fact]
    public void Recording_allocates_nothing()
    {
        var timeline = new CompletionTimeline();
        var started = Stopwatch.GetTimestamp();
        timeline.Record(CompletionStatus.Completed, started); // first use: JIT
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
            timeline.Record(i % 10 == 0 ? CompletionStatus.BrokenPromise : CompletionStatus.Completed, started);
        // DeadlineClock re-bases on the system clock every 5 s, one small object; a loop that crosses
        // that moment sees it. Anything per record would be 10,000 times more.
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - allocated, 0, 64);
    }

    [Fact]
    public void An_empty_timeline_is_zeros_and_the_window_is_clamped_to_the_ring()
    {
        var timeline = new CompletionTimeline();
        var snapshot = timeline.Snapshot();
        Assert.Equal(0, snapshot.Completed.Sum() + snapshot.Failed.Sum());
        Assert.Equal(CompletionTimeline.Seconds - 1, timeline.Snapshot(10_000).Completed.Length);
        Assert.Single(timeline.Snapshot(0).Completed);
    }
}
