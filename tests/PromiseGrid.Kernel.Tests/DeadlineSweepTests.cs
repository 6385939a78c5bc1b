namespace PromiseGrid.Kernel.Tests;

/// <summary>
/// The client's one deadline timer: it sweeps while requests wait, stops when none do (an idle
/// node is not woken), and starts again for the next request.
/// </summary>
public sealed class DeadlineSweepTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task Sweeps_while_requests_wait_stops_when_none_do_and_starts_again_when_armed()
    {
        var waiting = 1;
        var sweeps = 0;
        var sweep = new DeadlineSweep(() =>
        {
            Interlocked.Increment(ref sweeps);
            return Volatile.Read(ref waiting) == 1;
        });
        Assert.False(sweep.Running);

        sweep.Arm();
        Assert.True(sweep.Running);
        await AwaitAssertAsync(() => Assert.True(Volatile.Read(ref sweeps) >= 3, $"{sweeps} sweeps"));

        Volatile.Write(ref waiting, 0);
        await AwaitAssertAsync(() => Assert.False(sweep.Running));

        var sweepsWhenStopped = Volatile.Read(ref sweeps);
        Volatile.Write(ref waiting, 1);
        sweep.Arm();
        await AwaitAssertAsync(() => Assert.True(Volatile.Read(ref sweeps) > sweepsWhenStopped, $"{sweeps} sweeps"));
        Assert.True(sweep.Running);
        Volatile.Write(ref waiting, 0);
        await AwaitAssertAsync(() => Assert.False(sweep.Running));
    }

    [Fact]
    public void Can_be_made_where_the_execution_context_does_not_flow()
    {
        // E.g. the first Grid.Get of a system called from code that suppressed the flow.
        using (ExecutionContext.SuppressFlow())
        {
            var sweep = new DeadlineSweep(() => false);
            Assert.False(sweep.Running);
        }
    }
}
