using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PromiseGrid.Kernel.Tests")]

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// One timer for all of a client's deadlines, instead of one per request (a timer and a task per
/// request were about 200 B of each local completion's allocation): while any request waits, it
/// calls the client's sweep every <see cref="Resolution"/>, which ends the requests whose deadline
/// has passed. So a request ends at most one resolution after its deadline. With nothing waiting
/// the timer is stopped, so an idle node is not woken.
/// </summary>
internal sealed class DeadlineSweep
{
    /// <summary>How late past its deadline a request may end: small against any deadline a request carries.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(5);

    private readonly Func<bool> _sweep;
    private readonly Timer _timer;
    private int _armed;

    /// <param name="sweep">Ends the requests past their deadline; returns whether any request still waits.</param>
    public DeadlineSweep(Func<bool> sweep)
    {
        _sweep = sweep;
        // Not flowing the caller's execution context into the timer: it serves every requester.
        // (SuppressFlow throws when the flow is already suppressed.)
        if (ExecutionContext.IsFlowSuppressed())
        {
            _timer = NewTimer();
        }
        else
        {
            using (ExecutionContext.SuppressFlow()) _timer = NewTimer();
        }
    }

    private Timer NewTimer() =>
        new(static state => ((DeadlineSweep)state!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>Whether the timer runs (a request waits, or did at the last sweep).</summary>
    public bool Running => Volatile.Read(ref _armed) == 1;

    /// <summary>Called after a request has been added to the pending requests: starts the timer if it is stopped.</summary>
    public void Arm()
    {
        // The fence orders the caller's write of its request before the read of _armed, as Tick's
        // exchange orders its write of _armed before its second sweep: one of the two sees the other.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _armed) == 1) return;
        if (Interlocked.Exchange(ref _armed, 1) == 0) Start();
    }

    private void Tick()
    {
        if (_sweep()) return;
        // Nothing waits: stop, then sweep again. A request added since the first sweep may have
        // seen the timer running, or started it just before the stop: either way it is seen here
        // and the timer runs again.
        Interlocked.Exchange(ref _armed, 0);
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (!_sweep()) return;
        Interlocked.Exchange(ref _armed, 1);
        Start();
    }

    private void Start() => _timer.Change(Resolution, Resolution);
}
