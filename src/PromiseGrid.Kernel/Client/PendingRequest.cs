using System.Diagnostics;
using Akka.Actor;
using PromiseGrid.Core;
using System.Runtime.CompilerServices;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Routing;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// One slot of <see cref="PendingRequests"/>: a request waiting for its completion, and the route
/// it was sent on. Slots are reused request after request, so a request allocates no pending
/// object, no map entry and no <see cref="TaskCompletionSource{TResult}"/>: only the
/// <see cref="Task{TResult}"/> its caller awaits.
/// </summary>
/// <remarks>
/// <para>Who may end a request: the reply, the deadline sweep, a lost node, the cancellation token.
/// Each claims it by a compare-and-swap of <see cref="Id"/> from the request's id to its negation,
/// so exactly one does, and a late claim for an id the slot no longer holds fails (ids are never
/// reused). The winner queues the slot on the thread pool, which accounts for the outcome (the
/// client's ledger and log), frees the slot and then ends the caller's task: its continuations run
/// on that thread-pool thread, never on the thread that delivered the completion (a module's),
/// as <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/> would have it.</para>
/// <para>Readers that act on a waiting request without ending it (streamed parts, resends after a
/// node loss) hold the slot's lock and check <see cref="Id"/> inside it; freeing takes the same
/// lock, so none of them acts on a request that has meanwhile left the slot.</para>
/// </remarks>
internal sealed class PendingRequest : IThreadPoolWorkItem
{
    private readonly PendingRequests _table;
    private long _id;
    private AsyncTaskMethodBuilder<Completion> _task;
    private Completion? _outcome;
    private CancellationToken _cancelledBy;

    public PendingRequest(PendingRequests table, int index)
    {
        _table = table;
        Index = index;
    }

    /// <summary>Where this slot is in its table: the low bits of every id it holds.</summary>
    public int Index { get; }

    /// <summary>The id of the request waiting here; 0 when the slot is free or not yet open, negative once the request has been claimed for ending.</summary>
    public long Id => Volatile.Read(ref _id);

    public Complete Request { get; private set; } = null!;
    public long Started { get; private set; }
    public TimeSpan Budget { get; private set; }
    /// <summary>When the deadline sweep ends the request (a <see cref="Stopwatch"/> timestamp).</summary>
    public long DeadlineTimestamp { get; private set; }
    public Action<Sequence>? OnPart { get; private set; }
    /// <summary>The client span, when tracing is on; stopped when the request ends.</summary>
    public Activity? Span { get; private set; }
    public CancellationTokenRegistration Cancellation;
    public volatile Route? Route;
    public Address? Target => Route?.Node;
    /// <summary>Bytes of streamed parts handed to <see cref="OnPart"/> (under the slot's lock).</summary>
    public long PartBytes;
    public int Resends;

    /// <summary>
    /// Fills the slot for <paramref name="request"/> and returns the task its completion will end.
    /// The request cannot be ended until <see cref="Open"/>: register its cancellation in between,
    /// so whoever ends it sees the registration.
    /// </summary>
    public Task<Completion> Fill(Complete request, Route? route, long started, TimeSpan budget, Action<Sequence>? onPart, Activity? span)
    {
        Request = request;
        Route = route;
        Started = started;
        Budget = budget;
        DeadlineTimestamp = started + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        OnPart = onPart;
        Span = span;
        _task = default;
        return _task.Task;
    }

    /// <summary>Makes the filled request endable: from now on a reply, the sweep or a cancellation may claim it.</summary>
    public void Open() => Volatile.Write(ref _id, Request.Id);

    /// <summary>Ends request <paramref name="id"/> with <paramref name="completion"/>, unless it is not (or no longer) waiting here.</summary>
    public bool TryEnd(long id, Completion completion)
    {
        if (id <= 0 || Interlocked.CompareExchange(ref _id, -id, id) != id) return false;
        _outcome = completion;
        // The delivering thread's own queue, as RunContinuationsAsynchronously queues an await's
        // continuation: it runs soon after, on a warm cache (the global queue doubled the median latency).
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        return true;
    }

    /// <summary>Cancels request <paramref name="id"/> by <paramref name="token"/>, unless it is not (or no longer) waiting here.</summary>
    public bool TryCancel(long id, CancellationToken token)
    {
        if (id <= 0 || Interlocked.CompareExchange(ref _id, -id, id) != id) return false;
        _outcome = null;
        _cancelledBy = token;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        return true;
    }

    /// <summary>Runs on the thread pool once the request was claimed: account, free the slot, then end the caller's task.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        var outcome = _outcome;
        var cancelledBy = _cancelledBy;
        var task = _task; // holds only the task: the copy ends the same one
        _table.Ended(this, outcome);
        _table.Free(this);
        if (outcome is null) task.SetException(new TaskCanceledException("the request was cancelled", null, cancelledBy));
        else task.SetResult(outcome);
    }

    /// <summary>Called by the table under the slot's lock: forgets the request so the slot holds nothing of it.</summary>
    internal void Clear()
    {
        Cancellation = default;
        Request = null!;
        Route = null;
        OnPart = null;
        Span = null;
        PartBytes = 0;
        Resends = 0;
        _outcome = null;
        _cancelledBy = default;
        _task = default;
        Volatile.Write(ref _id, 0);
    }
}
