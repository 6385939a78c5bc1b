using Akka;
using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Routing;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The requester side of a completion (DESIGN §4): it owns the deadline, so a request never
/// waits past it; turns a silent provider into a <see cref="CompletionStatus.BrokenPromise"/>
/// that names who broke it; and when the node serving a request is lost, sends the request
/// again so the router, which has already stopped using that node, picks another provider.
/// </summary>
/// <remarks>
/// A request resent after a node loss may run twice if the lost node was only unreachable
/// and still answers: the first completion wins, later ones are dropped.
/// </remarks>
public sealed class GridClient : IExtension, IGrid
{
    /// <summary>How often one request may be sent again after losing its provider's node.</summary>
    private const int MaxResends = 3;

    private readonly ConcurrentDictionary<long, PendingCompletion> _pending = new();
    private readonly ReplySink _replies;
    private readonly ILoggingAdapter _log;
    private readonly Address _selfAddress;
    private long _nextId;

    public GridClient(ExtendedActorSystem system)
    {
        system.Settings.InjectTopLevelFallback(GridSettings.DefaultConfig());
        Settings = GridSettings.Create(system);
        Routes = new RouteTable();
        _log = Logging.GetLogger(system, "promisegrid.client");
        _selfAddress = system.Provider.DefaultAddress;
        _replies = new ReplySink(system.Provider, Deliver);
        WarnIfFramesTooSmall(system);
        Kernel = system.SystemActorOf(KernelActor.Props(Settings, Routes, ResendRequestsOf), Settings.KernelActorName);

        var shutdown = CoordinatedShutdown.Get(system);
        // Before the node leaves, other nodes stop routing here; in-flight requests still finish.
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "promisegrid-withdraw-routes",
            () => Kernel.Ask<Done>(WithdrawRoutes.Instance, TimeSpan.FromSeconds(5)));
        shutdown.AddTask(CoordinatedShutdown.PhaseActorSystemTerminate, "promisegrid-reply-sink", () =>
        {
            _replies.Unregister();
            return Task.FromResult(Done.Instance);
        });
    }

    public IActorRef Kernel { get; }
    public GridSettings Settings { get; }
    public RouteTable Routes { get; }

    public async Task<Completion> CompleteAsync(Sequence sequence, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var budget = Settings.DeadlineFor(deadline);
        if (budget <= TimeSpan.Zero)
            return BrokenPromise(id, sequence, budget); // e.g. a module passing on a deadline that has run out
        var started = Stopwatch.GetTimestamp();
        var request = new Complete(id, sequence, DeadlineClock.UnixMsAt(started) + (long)budget.TotalMilliseconds);
        var pending = new PendingCompletion(request, PredictedNode(sequence));
        _pending[id] = pending;
        Completion completion;
        try
        {
            Kernel.Tell(request, _replies);
            completion = await pending.Task.WaitAsync(budget, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            completion = BrokenPromise(id, sequence, budget);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
        if (completion.Status == CompletionStatus.BrokenPromise)
            _log.Warning("broken promise id={0} provider={1} reason={2}", id, completion.Provider, completion.Reason);
        else if (_log.IsDebugEnabled)
            _log.Debug("completion id={0} status={1} provider={2} latency_ms={3:F3} resends={4}",
                id, completion.Status, completion.Provider, Stopwatch.GetElapsedTime(started).TotalMilliseconds, pending.Resends);
        return completion;
    }

    /// <summary>
    /// A frame smaller than the largest sequence means big requests between nodes vanish (the
    /// sender drops them) and end as broken promises: say so once, at start.
    /// </summary>
    private void WarnIfFramesTooSmall(ExtendedActorSystem system)
    {
        if (system.Provider.DefaultAddress.HasLocalScope) return;
        var frame = system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 0;
        if (frame < Settings.MaxSequenceBytes + 64 * 1024)
            _log.Warning("remoting frame too small for the largest sequence maximum_frame_size={0} max_sequence_bytes={1}: " +
                "create the actor system with GridSettings.WithGridDefaults(config) or raise akka.remote.dot-netty.tcp.maximum-frame-size",
                frame, Settings.MaxSequenceBytes);
    }

    private void Deliver(Completion completion)
    {
        if (_pending.TryRemove(completion.Id, out var pending)) pending.TrySetResult(completion);
    }

    /// <summary>
    /// Called by the kernel once it has stopped routing to <paramref name="node"/>: every
    /// request that went there goes to the router again, which now picks another provider or
    /// answers NoRoute at once instead of leaving the requester waiting for its deadline.
    /// </summary>
    private void ResendRequestsOf(Address node)
    {
        foreach (var pending in _pending.Values)
        {
            if (pending.Target != node || pending.Resends >= MaxResends || pending.Task.IsCompleted) continue;
            pending.Resends++;
            pending.Target = PredictedNode(pending.Request.Sequence);
            _log.Info("request resent id={0} lost_node={1} resend={2}", pending.Request.Id, node, pending.Resends);
            Kernel.Tell(pending.Request, _replies);
        }
    }

    /// <summary>The node the router will pick, read from the same snapshot it uses.</summary>
    private Address? PredictedNode(Sequence sequence) =>
        Routes.Snapshot.TryMatch(sequence.Span, out var match) ? KernelActor.PickProvider(match.Values, _selfAddress).Node : null;

    /// <summary>Names the provider the request was routed to, from the current snapshot.</summary>
    private Completion BrokenPromise(long id, Sequence sequence, TimeSpan budget)
    {
        var provider = "unknown";
        var prefix = "";
        if (Routes.Snapshot.TryMatch(sequence.Span, out var match))
        {
            var route = KernelActor.PickProvider(match.Values, _selfAddress);
            provider = route.ProviderName;
            prefix = route.Prefix.ToString(64);
        }
        return Completion.Failed(id, CompletionStatus.BrokenPromise, provider,
            $"no completion within {budget.TotalMilliseconds:0} ms from {provider} (prefix '{prefix}')");
    }

    /// <summary>One request waiting for its completion, and where it was sent.</summary>
    private sealed class PendingCompletion(Complete request, Address? target)
        : TaskCompletionSource<Completion>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public Complete Request { get; } = request;
        public volatile Address? Target = target;
        public int Resends;
    }
}
