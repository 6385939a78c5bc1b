using Akka;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Diagnostics;
using PromiseGrid.Kernel.Ledger;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Routing;
using PromiseGrid.Kernel.Security;
using PromiseGrid.Kernel.Tracing;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The requester side of a completion (docs/architecture.md#the-client): it owns the deadline, so a request never
/// waits past it; turns a silent provider into a <see cref="CompletionStatus.BrokenPromise"/>
/// that names who broke it; and when the node serving a request is lost, sends the request
/// again so the router, which has already stopped using that node, picks another provider.
/// It also keeps this node's <see cref="PromiseLedger"/>: every completion it receives is
/// recorded against the provider that kept or broke the promise.
/// </summary>
/// <remarks>
/// A request resent after a node loss may run twice if the lost node was only unreachable
/// and still answers: the first completion wins, later ones are dropped. Deadlines are kept by
/// one <see cref="DeadlineSweep"/>, so "never past it" means within its resolution (5 ms).
/// </remarks>
internal sealed class GridClient : IExtension, IGridRuntime
{
    /// <summary>How often one request may be sent again after losing its provider's node.</summary>
    private const int MaxResends = 3;

    private readonly PendingRequests _pending;
    private readonly ReplySink _replies;
    private readonly DeadlineSweep _deadlines;
    private readonly ILoggingAdapter _log;
    private readonly Address _selfAddress;

    public GridClient(ExtendedActorSystem system)
    {
        system.Settings.InjectTopLevelFallback(GridSettings.DefaultConfig());
        Settings = GridSettings.Create(system);
        Routes = new RouteTable();
        Ledger = new PromiseLedger();
        _log = Logging.GetLogger(system, "promisegrid.client");
        _selfAddress = system.Provider.DefaultAddress;
        _pending = new PendingRequests(Ended);
        _replies = new ReplySink(system.Provider, Deliver, DeliverPart);
        _deadlines = new DeadlineSweep(EndExpired);
        WarnIfFramesTooSmall(system);
        Cache = new CompletionCache(Settings.Cache);
        Security = new CapabilityGuard(Settings.Security, awaitsReplicatedRevocations: system.Provider is Akka.Cluster.IClusterActorRefProvider);
        Security.Replicator = system.SystemActorOf(SecurityReplicator.Props(Security), "security");
        if (Security.Enforced)
        {
            // Revocation must work on every node that checks tokens, whatever modules it runs.
            system.SystemActorOf(RevocationModule.Props(), "revoke");
        }
        Router = system.SystemActorOf(RouterActor.Props(Settings, Routes, Ledger, ResendRequestsOf), Settings.RouterActorName);
        ObserveMetrics(system);

        var shutdown = CoordinatedShutdown.Get(system);
        // Before the node leaves, other nodes stop routing here; in-flight requests still finish.
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "promisegrid-withdraw-routes",
            () => Router.Ask<Done>(WithdrawRoutes.Instance, TimeSpan.FromSeconds(5)));
        shutdown.AddTask(CoordinatedShutdown.PhaseActorSystemTerminate, "promisegrid-reply-sink", () =>
        {
            _replies.Unregister();
            return Task.FromResult(Done.Instance);
        });
    }

    /// <summary>
    /// The kernel's figures as instruments on this node's own meters (scope: the actor system), gone
    /// with the system so a stopped node's figures leave every exporter.
    /// </summary>
    private void ObserveMetrics(ActorSystem system)
    {
        var routing = GridMeters.Create(GridMeters.Routing, system);
        var ledger = GridMeters.Create(GridMeters.Ledger, system);
        var cache = GridMeters.Create(GridMeters.Cache, system);
        RoutingInstruments.Observe(routing, Routes);
        LedgerInstruments.Observe(ledger, Ledger);
        CacheInstruments.Observe(cache, Cache);
        system.WhenTerminated.ContinueWith(_ =>
        {
            routing.Dispose();
            ledger.Dispose();
            cache.Dispose();
        }, TaskScheduler.Default);
    }

    public IActorRef Router { get; }
    public GridSettings Settings { get; }
    public RouteTable Routes { get; }
    public PromiseLedger Ledger { get; }
    public CompletionTimeline Timeline { get; } = new();

    public CapabilityGuard Security { get; }

    public CompletionCache Cache { get; }

    /// <summary>Presents this node's own token (<c>promisegrid.security.token</c>), if it has one: modules calling modules.</summary>
    public Task<Completion> CompleteAsync(Sequence sequence, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        CompleteAsync(sequence, Security.OwnCapabilityFor(sequence), deadline, cancellationToken);

    public Task<Completion> CompleteAsync(Sequence sequence, Capability? capability, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        SendAsync(sequence, capability, onPart: null, deadline, cancellationToken);

    public Task<Completion> CompleteAsync(Sequence sequence, Capability? capability, Action<Sequence> onPart, TimeSpan? deadline = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onPart);
        return SendAsync(sequence, capability, onPart, deadline, cancellationToken);
    }

    /// <summary>
    /// Sends the request and returns the task its completion ends; whoever ends it (the reply, the
    /// deadline sweep, a lost node, the cancellation token) first claims its slot of the pending
    /// requests, so exactly one does. No async method, no timer and no pending object per request:
    /// the returned task is the only thing the client allocates for it (<see cref="PendingRequest"/>).
    /// </summary>
    private Task<Completion> SendAsync(Sequence sequence, Capability? capability, Action<Sequence>? onPart, TimeSpan? deadline,
        CancellationToken cancellationToken)
    {
        var budget = Settings.DeadlineFor(deadline);
        if (budget <= TimeSpan.Zero)
        {
            // E.g. a module passing on a deadline that has run out. Sent nowhere, so no provider
            // broke anything: named for the reader, not recorded in the ledger.
            var unsent = _pending.UnsentId();
            return Task.FromResult(BrokenPromise(unsent, PredictedRoute(sequence, unsent), budget));
        }
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<Completion>(cancellationToken);
        if (_pending.Rent(out var id) is not { } pending)
            return Task.FromResult(Completion.Failed(_pending.UnsentId(), CompletionStatus.Overloaded, $"client@{_selfAddress}",
                $"{PendingRequests.Capacity} requests are waiting on this node already"));
        var started = Stopwatch.GetTimestamp();
        // A client span (its parent: Activity.Current, e.g. the gateway's request or the request a
        // module serves) whose context the request carries to the router and the module.
        var span = Spans.StartDetached(GridActivitySources.ClientSource, "complete", ActivityKind.Client);
        var request = new Complete(id, sequence, DeadlineClock.UnixMsAt(started) + (long)budget.TotalMilliseconds, capability,
            RequestNesting.HopsOfNextRequest, Stream: onPart is not null, Trace: span?.Context ?? default);
        span?.SetTag("promisegrid.request.id", id);
        var task = pending.Fill(request, PredictedRoute(sequence, id), started, budget, onPart, span);
        if (cancellationToken.CanBeCanceled)
        {
            // Registered before the slot opens, so whoever ends the request disposes it; a token
            // cancelled meanwhile finds the slot not yet open and is caught just below.
            pending.Cancellation = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var slot = (PendingRequest)state!;
                slot.TryCancel(slot.Id, token);
            }, pending);
        }
        pending.Open();
        if (cancellationToken.IsCancellationRequested) pending.TryCancel(id, cancellationToken);
        _deadlines.Arm();
        Router.Tell(request, _replies);
        return task;
    }

    /// <summary>
    /// Accounts for a request once it was claimed, on the thread pool before its caller's task
    /// ends (so ledger and log are up to date when the requester goes on); <paramref name="outcome"/>
    /// is null when its token cancelled it.
    /// </summary>
    private void Ended(PendingRequest pending, Completion? outcome)
    {
        pending.Cancellation.Dispose();
        if (outcome is null)
        {
            pending.Span?.SetStatus(ActivityStatusCode.Error, "cancelled").Stop();
            return;
        }
        Account(outcome, pending, pending.Started);
        Timeline.Record(outcome.Status, pending.Started);
        if (pending.Span is { } span)
        {
            span.SetTag("promisegrid.status", outcome.Status.ToString()).SetTag("promisegrid.provider", outcome.Provider);
            if (!outcome.IsCompleted) span.SetStatus(ActivityStatusCode.Error, outcome.Reason);
            span.Stop();
        }
    }

    /// <summary>The deadline sweep: ends every request whose deadline has passed as a broken promise; true while requests still wait.</summary>
    private bool EndExpired()
    {
        if (_pending.IsEmpty) return false;
        var now = Stopwatch.GetTimestamp();
        foreach (var chunk in _pending.Chunks)
        foreach (var pending in chunk)
        {
            var id = pending.Id;
            // The deadline is read after the id: it is this request's, or a later one's if the
            // request has ended meanwhile (then the claim below fails).
            if (id <= 0 || now < pending.DeadlineTimestamp) continue;
            pending.TryEnd(id, BrokenPromise(id, pending.Route, pending.Budget));
        }
        return !_pending.IsEmpty;
    }

    /// <summary>
    /// Records the outcome in the ledger (rules: <see cref="PromiseLedger.OutcomeOf"/>) and logs a
    /// broken promise once, at WARNING, here on the requester's node.
    /// </summary>
    private void Account(Completion completion, PendingRequest pending, long started)
    {
        var outcome = PromiseLedger.OutcomeOf(completion.Status);
        if (outcome == PromiseOutcome.Kept)
        {
            var latency = Stopwatch.GetElapsedTime(started);
            RecordOf(completion, pending)?.RecordKept(latency);
            if (_log.IsDebugEnabled)
                _log.Debug("completion id={0} status={1} provider={2} latency_ms={3:F3} resends={4}{5}",
                    completion.Id, completion.Status, completion.Provider, latency.TotalMilliseconds, pending.Resends, Spans.LogPairs(pending.Span));
        }
        else if (outcome == PromiseOutcome.Broken)
        {
            var record = RecordOf(completion, pending);
            record?.RecordBroken(completion.Reason);
            var prefix = record?.Prefix ?? pending.Route?.Prefix;
            _log.Warning("broken promise provider={0} prefix={1} status={2} reason={3} id={4}{5}",
                completion.Provider, prefix?.ToString(64) ?? "unknown", completion.Status, completion.Reason, completion.Id, Spans.LogPairs(pending.Span));
        }
        else if (_log.IsDebugEnabled)
        {
            _log.Debug("completion id={0} status={1} provider={2} latency_ms={3:F3} resends={4}{5}",
                completion.Id, completion.Status, completion.Provider, Stopwatch.GetElapsedTime(started).TotalMilliseconds, pending.Resends, Spans.LogPairs(pending.Span));
        }
    }

    /// <summary>
    /// The ledger record of whoever answered: normally the route the request was predicted to
    /// take (a reference, no lookup). When the answer names another provider, the prediction
    /// lost a race (see <see cref="PredictedRoute"/>) or routes changed, and the record is found
    /// by name instead.
    /// </summary>
    private PromiseRecord? RecordOf(Completion completion, PendingRequest pending)
    {
        var sentTo = pending.Route;
        if (sentTo is not null && string.Equals(sentTo.ProviderName, completion.Provider, StringComparison.Ordinal))
            return sentTo.Promises;
        if (Routes.Snapshot.TryMatch(pending.Request.Sequence.Span, out var match))
            foreach (var route in match.Values)
                if (string.Equals(route.ProviderName, completion.Provider, StringComparison.Ordinal))
                    return route.Promises;
        // The provider answered and then left the table: its record is still in the ledger.
        return sentTo is not null && Ledger.TryGet(completion.Provider, sentTo.Prefix, out var record) ? record : null;
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

    private void Deliver(Completion completion) => _pending.Find(completion.Id)?.TryEnd(completion.Id, completion);

    private void DeliverPart(CompletionPart part)
    {
        if (_pending.Find(part.Id) is not { } pending || part.Bytes.IsEmpty) return;
        // Parts arrive from one provider at a time, in order: the reply sink is told them in the
        // order the provider sent them. The lock keeps a part from racing a resend decision, and
        // from reaching a later request that reuses the slot (freeing takes the same lock).
        lock (pending)
        {
            if (pending.Id != part.Id || pending.OnPart is not { } onPart) return;
            pending.PartBytes += part.Bytes.Length;
            onPart(part.Bytes);
        }
    }

    /// <summary>
    /// Called by the router once it has stopped routing to <paramref name="node"/>: every
    /// request that went there goes to the router again, which now picks another provider or
    /// answers NoRoute at once instead of leaving the requester waiting for its deadline.
    /// </summary>
    private void ResendRequestsOf(Address node)
    {
        foreach (var chunk in _pending.Chunks)
        foreach (var pending in chunk)
        {
            var id = pending.Id;
            if (id <= 0 || pending.Target != node || pending.Resends >= MaxResends) continue;
            lock (pending)
            {
                if (pending.Id != id) continue; // ended meanwhile
                if (pending.PartBytes > 0)
                {
                    // Another provider would start over rather than continue the bytes already streamed.
                    pending.TryEnd(id, Completion.Failed(id, CompletionStatus.BrokenPromise, pending.Route?.ProviderName ?? "unknown",
                        $"node {node} was lost after streaming {pending.PartBytes} bytes; a streamed request is not sent again"));
                    continue;
                }
                pending.Resends++;
                pending.Route = PredictedRoute(pending.Request.Sequence, id);
                _log.Info("request resent id={0} lost_node={1} resend={2}", id, node, pending.Resends);
                Router.Tell(pending.Request, _replies);
            }
        }
    }

    /// <summary>
    /// The route the router will pick for request <paramref name="id"/>: the same function on the
    /// same snapshot, this node's address and the same id. One input can move in between: a
    /// ledger score, when another request's outcome is recorded after this prediction and before
    /// the router reads it. Then a request may go elsewhere than predicted; answers name their
    /// provider, so only a timeout is blamed on the predicted one, for that one request.
    /// </summary>
    private Route? PredictedRoute(Sequence sequence, long id) =>
        Routes.Snapshot.TryMatch(sequence.Span, out var match) ? RouterActor.PickProvider(match.Values, _selfAddress, id) : null;

    /// <summary>Names the provider the request was routed to.</summary>
    private static Completion BrokenPromise(long id, Route? route, TimeSpan budget)
    {
        var provider = route?.ProviderName ?? "unknown";
        var prefix = route?.Prefix.ToString(64) ?? "";
        return Completion.Failed(id, CompletionStatus.BrokenPromise, provider,
            $"no completion within {budget.TotalMilliseconds:0} ms from {provider} (prefix '{prefix}')");
    }

}
