using System.Diagnostics;

namespace PromiseGrid.Kernel.Tests;

public sealed class DeadlineClockTests
{
    [Fact]
    public void Agrees_with_the_system_clock_to_the_millisecond_range()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = DeadlineClock.NowUnixMs();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // The base is read from the system clock at most 5 s earlier; a few ms of rounding either way.
        Assert.InRange(clock, before - 5, after + 5);
    }

    [Fact]
    public void Later_timestamps_give_later_times_by_the_elapsed_milliseconds()
    {
        var now = Stopwatch.GetTimestamp();
        var inOneSecond = now + Stopwatch.Frequency;
        Assert.InRange(DeadlineClock.UnixMsAt(inOneSecond) - DeadlineClock.UnixMsAt(now), 999, 1001);
    }
}
