using Akka;
using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Ledger;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Serialization;
using PromiseGrid.Kernel.Tracing;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// The router: matches each <see cref="Complete"/> against the longest registered prefix and
/// forwards the very same message to a provider, local or on another node, which answers the
/// requester directly. It also keeps the route table: modules register and unregister here, a
/// provider that stops takes its routes with it, and in a cluster every node's router sends its local
/// routes to the other nodes' routers as numbered changes (route sync, <see cref="RoutePublisher"/>,
/// <see cref="SyncedNodeRoutes"/>) and routes to theirs too. Nodes of the release before route sync
/// read and write one replicated map instead (Akka.DistributedData); while such a node is a member,
/// this router reads that map and writes its own routes there as well (docs/wire.md#rolling-upgrades).
/// </summary>
/// <remarks>
/// Hot path: one size check, one lookup in an immutable <see cref="PrefixTrie{T}"/> snapshot
/// (no locks, no allocation), a provider choice (with one provider, none; with several, a read
/// of each one's ledger score), one Forward. Everything that allocates (rebuilding the trie,
/// replication, logging) happens on route or membership changes, never per completion.
/// </remarks>
internal sealed class RouterActor : UntypedActor, IWithTimers
{
    /// <summary>The replicated map of the releases before route sync: node address → all that node's routes.</summary>
    public static readonly LWWDictionaryKey<string, NodeRoutes> RoutesKey = new("promisegrid-routes");

    /// <summary>
    /// How long after a change of its routes a router tells the others which version is current,
    /// so one that missed a change (a dropped connection) asks for a snapshot within this time.
    /// </summary>
    public static readonly TimeSpan AnnounceInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a router tells the others its version with no change at all: the last resort if an
    /// announcement after a change was lost too. Rare, so an idle grid sends next to nothing.
    /// </summary>
    public static readonly TimeSpan IdleAnnounceInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long a leaving node waits for the others to confirm they dropped its routes.</summary>
    public static readonly TimeSpan WithdrawTimeout = TimeSpan.FromSeconds(3);

    private readonly GridSettings _settings;
    private readonly RouteTable _table;
    private readonly PromiseLedger _ledger;
    private readonly Action<Address> _onNodeLost;
    private readonly PrefixTrieBuilder<Route> _localRoutes = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Address _selfAddress;
    private readonly string _selfName;
    private readonly Cluster? _cluster;
    private readonly ClusterRoutes? _remote;
    private readonly RoutePublisher? _publisher;
    private readonly Dictionary<Address, IActorRef> _routers = new();
    private bool _syncs;
    private bool _writesReplicatedMap;
    private Withdrawal? _withdrawal;
    private PrefixTrie<Route> _snapshot = PrefixTrie<Route>.Empty;

    // Route changes since the last rebuild, and the acknowledgements that wait for it: a module
    // registering thousands of prefixes sends them all at once, and they are applied with one
    // rebuild and one replicated write instead of one per prefix.
    private bool _flushPending;
    private bool _localChanged;
    // How the next flush updates the trie: new routes only go on top of it (PrefixTrie.WithAdded);
    // anything else (a removal, a changed route, a snapshot) lays it all out again.
    private bool _rebuildAll;
    private readonly List<Route> _added = [];
    private List<(Route Route, bool Active)> _all = [];

    /// <summary>Routes on top of the laid-out trie past which the next change lays everything out again.</summary>
    private const int MaxAddedOnTop = 4096;
    private readonly HashSet<Address> _syncedSinceFlush = new();
    private readonly List<(IActorRef Provider, object Answer)> _answersAfterFlush = [];

    /// <param name="ledger">This node's promise ledger: the router reads it to choose among providers.</param>
    /// <param name="onNodeLost">Called after a node's routes were taken out of use, so requesters can retry elsewhere.</param>
    public RouterActor(GridSettings settings, RouteTable table, PromiseLedger ledger, Action<Address> onNodeLost)
    {
        _settings = settings;
        _table = table;
        _ledger = ledger;
        _onNodeLost = onNodeLost;
        var system = (ExtendedActorSystem)Context.System;
        _selfAddress = system.Provider.DefaultAddress;
        _selfName = $"router@{_selfAddress}";
        if (system.Provider is IClusterActorRefProvider)
        {
            _cluster = Cluster.Get(system);
            _remote = new ClusterRoutes(system.Provider, _selfAddress, Tracked);
            _publisher = new RoutePublisher(_selfAddress.ToString(), _cluster.SelfUniqueAddress.Uid);
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private const string IdleAnnounceKey = "announce-idle";
    private const string AnnounceAfterChangeKey = "announce-after-change";

    public static Props Props(GridSettings settings, RouteTable table, PromiseLedger ledger, Action<Address> onNodeLost) =>
        Akka.Actor.Props.Create(() => new RouterActor(settings, table, ledger, onNodeLost));

    protected override void PreStart()
    {
        if (_cluster is null) return;
        // A node of the release before route sync advertises no wire format 5 and keeps to the replicated map.
        _syncs = WireVersionRole.ReadBy(_cluster.SelfRoles) >= KernelMessageSerializer.RouteSyncVersion;
        _writesReplicatedMap = !_syncs;
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        DistributedData.Get(Context.System).Replicator.Tell(Dsl.Subscribe(RoutesKey, Self));
        if (_syncs) Timers.StartPeriodicTimer(IdleAnnounceKey, AnnounceTick.Instance, IdleAnnounceInterval);
    }

    protected override void PostStop() => _cluster?.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Complete complete:
                Route(complete);
                break;
            case Register register:
                OnRegister(register.Route, Sender);
                break;
            case Unregister unregister:
                OnUnregister(unregister.Prefix, Sender);
                break;
            case Terminated terminated:
                OnProviderStopped(terminated.ActorRef);
                break;
            case Changed changed when changed.Key.Equals(RoutesKey):
                OnReplicatedRoutes(changed.Get(RoutesKey));
                break;
            case RoutesDelta delta:
                var added = new List<Route>();
                OnSynced(_remote!.Synced(Sender.Path.Address).Take(delta, added), Sender, added);
                break;
            case RoutesSnapshot part:
                OnSynced(_remote!.Synced(Sender.Path.Address).Take(part), Sender, null);
                break;
            case RoutesVersion announced:
                OnAnnounced(announced, Sender);
                break;
            case RoutesRequest:
                SendSnapshot(Sender);
                break;
            case RoutesAck ack:
                OnAck(Sender.Path.Address, ack);
                break;
            case AnnounceTick:
                foreach (var node in _remote!.SyncingMembers()) RouterOf(node).Tell(_publisher!.Announce(wantsAck: false));
                break;
            case WithdrawTimeoutTick:
                FinishWithdrawal("timeout");
                break;
            case ClusterEvent.MemberUp up:
                OnMemberUp(up.Member);
                break;
            case ClusterEvent.MemberWeaklyUp weaklyUp:
                OnMemberUp(weaklyUp.Member);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                OnUnreachable(unreachable.Member);
                break;
            case ClusterEvent.ReachableMember reachable:
                if (_remote!.Reachable(reachable.Member.Address))
                {
                    // Changes sent while the connection was down may be lost: say what is current.
                    if (_syncs && _remote.Syncs(reachable.Member.Address))
                        RouterOf(reachable.Member.Address).Tell(_publisher!.Announce(wantsAck: false));
                    Rebuild();
                    _log.Info("routes restored node={0} reason=reachable routes={1}", reachable.Member.Address, _snapshot.ValueCount);
                }
                break;
            case ClusterEvent.MemberRemoved removed:
                OnMemberRemoved(removed.Member);
                break;
            case WithdrawRoutes:
                OnWithdraw(Sender);
                break;
            case FlushLocalRoutes:
                OnFlushLocalRoutes();
                break;
            case UpdateSuccess success:
                if (success.Request is Withdrawal written) OnReplicatedMapWritten(written);
                break;
            case ClusterEvent.IMemberEvent or ClusterEvent.IClusterDomainEvent:
                break;
            case UpdateTimeout timeout:
                // The write is still local and spreads by gossip; only the fast push timed out.
                _log.Debug("route table write not yet acknowledged by every node key={0}", timeout.Key);
                if (timeout.Request is Withdrawal waiting) OnReplicatedMapWritten(waiting);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Route(Complete complete)
    {
        var sequence = complete.Sequence;
        if (sequence.Length > _settings.MaxSequenceBytes)
        {
            _log.Warning("oversize sequence refused id={0} bytes={1} limit={2}", complete.Id, sequence.Length, _settings.MaxSequenceBytes);
            Sender.Tell(Completion.Failed(complete.Id, CompletionStatus.TooLarge, _selfName,
                $"sequence of {sequence.Length} bytes is over the limit of {_settings.MaxSequenceBytes} bytes"));
            return;
        }
        if (complete.Hops > _settings.MaxHops)
        {
            _log.Warning("nesting limit refused id={0} hops={1} limit={2} sequence={3}", complete.Id, complete.Hops, _settings.MaxHops, sequence.ToString(64));
            Sender.Tell(Completion.Failed(complete.Id, CompletionStatus.TooDeep, _selfName,
                $"request nested {complete.Hops} deep, over the limit of {_settings.MaxHops} (promisegrid.max-hops): does a module call itself?"));
            return;
        }
        if (!_snapshot.TryMatch(sequence.Span, out var match))
        {
            Sender.Tell(Completion.Failed(complete.Id, CompletionStatus.NoRoute, _selfName,
                $"no module serves a prefix of '{sequence.ToString(64)}'"));
            return;
        }
        var route = PickProvider(match.Values, _selfAddress, complete.Id);
        if (complete.IsTraced)
        {
            RouteTraced(complete, route);
            return;
        }
        if (_log.IsDebugEnabled)
            _log.Debug("route id={0} prefix={1} provider={2}", complete.Id, route.Prefix, route.ProviderName);
        route.Provider.Forward(complete);
    }

    /// <summary>
    /// A traced request: a span for the routing, the parent of the module's; and the trace context
    /// taken off for a node that reads only wire format 3 (docs/wire.md#rolling-upgrades), which would
    /// otherwise refuse the whole request.
    /// </summary>
    private void RouteTraced(Complete complete, Route route)
    {
        using var span = Spans.StartDetached(GridActivitySources.RouterSource, "route", ActivityKind.Internal, complete.Trace);
        span?.SetTag("promisegrid.request.id", complete.Id).SetTag("promisegrid.provider", route.ProviderName);
        var forwarded = span is null ? complete : complete with { Trace = span.Context };
        var remote = route.Node != _selfAddress;
        if (remote && (_remote is null || !_remote.ReadsTraceContext(route.Node)))
            forwarded = forwarded with { Trace = default };
        if (_log.IsDebugEnabled)
            _log.Debug("route id={0} prefix={1} provider={2}{3}", complete.Id, route.Prefix, route.ProviderName,
                Spans.LogPairs(span?.Context ?? complete.Trace));
        route.Provider.Forward(forwarded);
    }

    /// <summary>
    /// The provider request <paramref name="requestId"/> goes to: the only one, or among several
    /// the choice of <see cref="ProviderChoice"/> (one that keeps its promises, local among equals,
    /// now and then a worse one to explore). The requester calls this with the same inputs to
    /// know where a request went, so it can name who broke a promise.
    /// </summary>
    internal static Route PickProvider(ImmutableArray<Route> providers, Address self, long requestId) =>
        providers.Length == 1 ? providers[0] : ProviderChoice.Pick(providers, self, requestId);

    private void OnRegister(RouteSpec spec, IActorRef provider)
    {
        var refusal = Check(spec, provider);
        if (refusal is not null)
        {
            _log.Warning("registration refused module={0} prefix={1} reason={2}", spec.Module, spec.Prefix.ToString(64), refusal);
            provider.Tell(new RegistrationRefused(spec, refusal));
            return;
        }
        var node = provider.Path.Address.HasLocalScope ? _selfAddress : provider.Path.Address;
        var route = Tracked(new Route(spec.Prefix, spec.Module, provider, node, spec.Pure));
        // Same prefix and provider again replaces the old entry (the module may change flags).
        if (_localRoutes.Remove(spec.Prefix, route)) _rebuildAll = true;
        else _added.Add(route);
        _localRoutes.Add(spec.Prefix, route);
        Context.Watch(provider);
        LocalRoutesChanged();
        _log.Info("module registered module={0} prefix={1} node={2} pure={3}", spec.Module, spec.Prefix, node, spec.Pure);
        _answersAfterFlush.Add((provider, new Registered(spec)));
    }

    private string? Check(RouteSpec spec, IActorRef provider)
    {
        if (provider.IsNobody()) return "a route needs a provider (send Register from the module actor)";
        if (string.IsNullOrWhiteSpace(spec.Module)) return "module name is empty";
        if (spec.Prefix.Length > _settings.MaxPrefixBytes)
            return $"prefix of {spec.Prefix.Length} bytes is over the limit of {_settings.MaxPrefixBytes} bytes";
        return null;
    }

    private void OnUnregister(Sequence prefix, IActorRef provider)
    {
        var removed = _localRoutes.RemoveWhere((p, r) => p == prefix && r.Provider.Equals(provider)) > 0;
        if (removed)
        {
            _rebuildAll = true;
            LocalRoutesChanged();
            _log.Info("module unregistered prefix={0} provider={1}", prefix, provider.Path);
        }
        _answersAfterFlush.Add((provider, new Unregistered(prefix, removed)));
        if (!removed) RequestFlush();
    }

    private void OnProviderStopped(IActorRef provider)
    {
        var dropped = new List<Route>();
        _localRoutes.RemoveWhere((_, route) =>
        {
            if (!route.Provider.Equals(provider)) return false;
            dropped.Add(route);
            return true;
        });
        if (dropped.Count == 0) return;
        _rebuildAll = true;
        LocalRoutesChanged();
        // While the node shuts down, modules stopping is the plan, not news.
        var level = CoordinatedShutdown.Get(Context.System).ShutdownReason is null ? LogLevel.WarningLevel : LogLevel.InfoLevel;
        foreach (var route in dropped)
            _log.Log(level, "route dropped module={0} prefix={1} node={2} reason=provider-stopped",
                [route.Module, route.Prefix, route.Node]);
    }

    private void OnReplicatedRoutes(LWWDictionary<string, NodeRoutes> routes)
    {
        foreach (var node in _remote!.SetReplicated(routes))
            _log.Info("routes replicated node={0} routes={1} source=replicated-map", node, _remote.RouteCount(node));
        _rebuildAll = true;
        RequestFlush();
    }

    private void OnMemberUp(Member member)
    {
        _remote!.MemberUp(member);
        if (_syncs && member.Address != _selfAddress)
        {
            if (_remote.Syncs(member.Address)) SendSnapshot(RouterOf(member.Address));
            else if (!_writesReplicatedMap)
            {
                // A node of the release before route sync joined: it reads only the replicated map.
                _writesReplicatedMap = true;
                _log.Info("routes written to the replicated map too node={0} reason=member-reads-only-the-map", member.Address);
                WriteReplicatedMap(null);
            }
        }
        Rebuild();
    }

    /// <summary>After a route sync message from <paramref name="owner"/>'s router: rebuild, or ask for what is missing.</summary>
    private void OnSynced(SyncOutcome outcome, IActorRef owner, List<Route>? added)
    {
        var node = owner.Path.Address;
        var synced = _remote!.Synced(node);
        switch (outcome)
        {
            case SyncOutcome.Added when _remote.IsActive(node):
                _added.AddRange(added!);
                _syncedSinceFlush.Add(node);
                RequestFlush();
                break;
            case SyncOutcome.Added or SyncOutcome.Changed:
                _rebuildAll = true;
                _syncedSinceFlush.Add(node);
                RequestFlush();
                break;
            case SyncOutcome.NeedSnapshot:
                RequestSnapshot(synced, owner, "out-of-order");
                break;
        }
    }

    private void OnAnnounced(RoutesVersion announced, IActorRef owner)
    {
        var synced = _remote!.Synced(owner.Path.Address);
        if (synced.IsBehind(announced))
        {
            if (!synced.Collecting) RequestSnapshot(synced, owner, "behind");
        }
        else if (announced.WantsAck) owner.Tell(new RoutesAck(announced.Incarnation, synced.Version));
    }

    /// <summary>Asks for a snapshot unless one was asked for within the last two announcements (its answer may be on the way).</summary>
    private void RequestSnapshot(SyncedNodeRoutes synced, IActorRef owner, string reason)
    {
        var now = Environment.TickCount64;
        if (synced.RequestedAt is { } at && now - at < 2 * AnnounceInterval.TotalMilliseconds) return;
        synced.RequestedAt = now;
        _log.Info("routes snapshot requested node={0} held_version={1} reason={2}", owner.Path.Address, synced.Version, reason);
        owner.Tell(new RoutesRequest(synced.Incarnation, synced.Version));
    }

    private void SendSnapshot(IActorRef router)
    {
        if (_publisher is null) return;
        foreach (var part in _publisher.Snapshot()) router.Tell(part);
    }

    /// <summary>The router of <paramref name="node"/>: at the same path as this one (promisegrid.router-actor-name).</summary>
    private IActorRef RouterOf(Address node)
    {
        if (!_routers.TryGetValue(node, out var router))
            _routers[node] = router = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(new RootActorPath(node) / Self.Path.Elements);
        return router;
    }

    private void OnUnreachable(Member member)
    {
        if (!_remote!.Unreachable(member.Address)) return;
        Rebuild();
        _log.Warning("routes excluded node={0} reason=unreachable node_routes={1} routes={2}",
            member.Address, _remote.RouteCount(member.Address), _snapshot.ValueCount);
        _onNodeLost(member.Address);
    }

    private void OnMemberRemoved(Member member)
    {
        var incarnation = _remote!.IncarnationOf(member.Address);
        var count = _remote.RouteCount(member.Address);
        _remote.MemberRemoved(member.UniqueAddress);
        _routers.Remove(member.Address);
        if (_withdrawal is { } withdrawal && withdrawal.Waiting.Remove(member.Address)) CheckWithdrawn();
        if (_syncs && _writesReplicatedMap && !_remote.HasReplicatedMapReaders)
        {
            _writesReplicatedMap = false;
            _log.Info("routes no longer written to the replicated map reason=every-member-syncs");
        }
        Rebuild();
        if (count > 0)
            _log.Warning("routes dropped node={0} reason=removed node_routes={1} routes={2}", member.Address, count, _snapshot.ValueCount);
        _onNodeLost(member.Address);
        if (incarnation == member.UniqueAddress.Uid && member.Address != _selfAddress)
        {
            // Clear the departed incarnation's entry, unless a newer incarnation wrote over it meanwhile.
            var key = member.Address.ToString();
            var uid = (long)member.UniqueAddress.Uid;
            DistributedData.Get(Context.System).Replicator.Tell(Dsl.Update(RoutesKey, LWWDictionary<string, NodeRoutes>.Empty,
                WriteLocal.Instance, map => map.TryGetValue(key, out var entry) && entry.Incarnation == uid ? map.Remove(_cluster!, key) : map));
        }
    }

    /// <summary>
    /// Before the node leaves: tell the others to stop routing here, then answer Done once each has
    /// confirmed (or after <see cref="WithdrawTimeout"/>: a node that does not answer is no reason to stay).
    /// </summary>
    private void OnWithdraw(IActorRef requester)
    {
        _localRoutes.Clear();
        _flushPending = false;
        _localChanged = false;
        AnswerAfterFlush();
        Rebuild();
        if (_cluster is null)
        {
            requester.Tell(Done.Instance);
            return;
        }
        _log.Info("routes withdrawn node={0} reason=leaving", _selfAddress);
        _withdrawal = new Withdrawal(requester, [.. _syncs ? _remote!.SyncingMembers() : []], _writesReplicatedMap);
        Timers.StartSingleTimer(WithdrawTimeoutTick.Instance, WithdrawTimeoutTick.Instance, WithdrawTimeout);
        PublishLocalRoutes(_withdrawal);
        foreach (var node in _withdrawal.Waiting) RouterOf(node).Tell(_publisher!.Announce(wantsAck: true));
        CheckWithdrawn();
    }

    private void OnAck(Address node, RoutesAck ack)
    {
        if (_withdrawal is null || ack.Version < _publisher!.Version || ack.Incarnation != _cluster!.SelfUniqueAddress.Uid) return;
        if (_withdrawal.Waiting.Remove(node)) CheckWithdrawn();
    }

    private void OnReplicatedMapWritten(Withdrawal withdrawal)
    {
        withdrawal.MapPending = false;
        CheckWithdrawn();
    }

    private void CheckWithdrawn()
    {
        if (_withdrawal is { Waiting.Count: 0, MapPending: false }) FinishWithdrawal("confirmed");
    }

    private void FinishWithdrawal(string how)
    {
        if (_withdrawal is null) return;
        _log.Info("routes withdrawal {0} unconfirmed_nodes={1}", how, _withdrawal.Waiting.Count);
        Timers.Cancel(WithdrawTimeoutTick.Instance);
        _withdrawal.Requester.Tell(Done.Instance);
        _withdrawal = null;
    }

    private void LocalRoutesChanged()
    {
        _localChanged = true;
        RequestFlush();
    }

    /// <summary>
    /// Applies route changes after the messages already in the mailbox (the rest of a module's
    /// registrations, the rest of another node's changes), so a burst of them costs one rebuild and
    /// one publication instead of one per route.
    /// </summary>
    private void RequestFlush()
    {
        if (_flushPending) return;
        _flushPending = true;
        Self.Tell(FlushLocalRoutes.Instance);
    }

    private void OnFlushLocalRoutes()
    {
        if (!_flushPending) return; // a withdrawal applied everything meanwhile
        _flushPending = false;
        // Others first: this node's own trie need not be ready for them to use the new routes.
        if (_cluster is not null && _localChanged) PublishLocalRoutes(null);
        _localChanged = false;
        if (_rebuildAll || _snapshot.AddedValueCount + _added.Count > MaxAddedOnTop) Rebuild();
        else if (_added.Count > 0) AddOnTop();
        // One line per node and burst of changes, not per message.
        foreach (var node in _syncedSinceFlush)
            _log.Info("routes replicated node={0} routes={1} version={2}", node, _remote!.RouteCount(node), _remote.Synced(node).Version);
        _syncedSinceFlush.Clear();
        if (_log.IsDebugEnabled) _log.Debug("routes applied routes={0}", _snapshot.ValueCount);
        AnswerAfterFlush();
    }

    /// <summary>Registered and Unregistered go out only once the snapshot holds the change, as they promise.</summary>
    private void AnswerAfterFlush()
    {
        foreach (var (provider, answer) in _answersAfterFlush) provider.Tell(answer);
        _answersAfterFlush.Clear();
    }

    /// <summary>
    /// Sends the changes of this node's routes to every node that takes part in route sync, and
    /// writes all of them to the replicated map while a node of the release before is a member.
    /// </summary>
    private void PublishLocalRoutes(Withdrawal? withdrawal)
    {
        var entries = new List<RouteEntry>();
        foreach (var (prefix, routes) in _localRoutes.Build().Entries)
            foreach (var route in routes)
                entries.Add(new RouteEntry(prefix, route.Module, route.Provider.Path.ToStringWithAddress(_selfAddress), route.Pure));
        if (_syncs)
        {
            var deltas = _publisher!.Publish(entries);
            foreach (var node in _remote!.SyncingMembers())
            {
                var router = RouterOf(node);
                foreach (var delta in deltas) router.Tell(delta);
            }
            if (deltas.Count > 0 && !Timers.IsTimerActive(AnnounceAfterChangeKey))
                Timers.StartSingleTimer(AnnounceAfterChangeKey, AnnounceTick.Instance, AnnounceInterval);
        }
        if (_writesReplicatedMap) WriteReplicatedMap(withdrawal, entries);
    }

    /// <summary>
    /// Writes this node's routes, whole, to the replicated map. Write-all pushes them to every node at
    /// once instead of waiting for gossip; if some node does not answer in time the write still
    /// stands locally and spreads by gossip.
    /// </summary>
    private void WriteReplicatedMap(Withdrawal? withdrawal, List<RouteEntry>? entries = null)
    {
        entries ??= [.. _localRoutes.Build().Entries.SelectMany(e => e.Value.Select(route =>
            new RouteEntry(e.Key, route.Module, route.Provider.Path.ToStringWithAddress(_selfAddress), route.Pure)))];
        var mine = new NodeRoutes(_selfAddress.ToString(), _cluster!.SelfUniqueAddress.Uid, [.. entries]);
        var update = Dsl.Update(RoutesKey, LWWDictionary<string, NodeRoutes>.Empty, new WriteAll(TimeSpan.FromSeconds(3)), withdrawal,
            map => map.SetItem(_cluster, mine.Node, mine));
        DistributedData.Get(Context.System).Replicator.Tell(update);
    }

    /// <summary>The route with its ledger record attached, looked up once here instead of per request.</summary>
    private Route Tracked(Route route) =>
        route.Promises is not null ? route : route with { Promises = _ledger.For(route.ProviderName, route.Prefix) };

    /// <summary>
    /// Builds the trie of the routes in use and publishes it. The operators' view of every route is
    /// made only when someone reads it: with a hundred thousand routes in the grid, formatting
    /// each on every change would cost more than the trie.
    /// </summary>
    private void Rebuild()
    {
        _rebuildAll = false;
        _added.Clear();
        var builder = new PrefixTrieBuilder<Route>();
        var all = new List<(Route Route, bool Active)>();
        foreach (var (prefix, routes) in _localRoutes.Build().Entries)
            foreach (var route in routes)
            {
                var tracked = Tracked(route);
                builder.Add(prefix, tracked);
                all.Add((tracked, true));
            }
        if (_remote is not null)
            foreach (var (route, active) in _remote.Routes())
            {
                if (active) builder.Add(route.Prefix, route);
                all.Add((route, active));
            }
        Publish(builder.Build(), all);
    }

    /// <summary>New routes only: put on top of the current trie instead of laying out all of them again.</summary>
    private void AddOnTop()
    {
        var snapshot = _snapshot.WithAdded(_added.Select(route => KeyValuePair.Create(route.Prefix, Tracked(route))));
        List<(Route, bool)> all = [.. _all, .. _added.Select(route => (Tracked(route), true))];
        _added.Clear();
        Publish(snapshot, all);
    }

    private void Publish(PrefixTrie<Route> snapshot, List<(Route Route, bool Active)> all)
    {
        _snapshot = snapshot;
        _all = all;
        _table.Publish(_snapshot, () =>
        {
            var views = all.Select(r => RouteView.Of(r.Route, r.Active)).ToList();
            views.Sort((a, b) => string.CompareOrdinal(a.PrefixHex, b.PrefixHex) is var c && c != 0 ? c : string.CompareOrdinal(a.Node, b.Node));
            return [.. views];
        });
    }
}

/// <summary>A leave in progress: who waits for Done, and what is still to confirm the routes are gone.</summary>
internal sealed class Withdrawal(IActorRef requester, HashSet<Address> waiting, bool mapPending)
{
    public IActorRef Requester { get; } = requester;
    public HashSet<Address> Waiting { get; } = waiting;
    public bool MapPending { get; set; } = mapPending;
}

/// <summary>The router's timer: tell the other routers the current version of this node's routes.</summary>
internal sealed class AnnounceTick
{
    public static readonly AnnounceTick Instance = new();
    private AnnounceTick() { }
}

/// <summary>The router's timer: stop waiting for confirmations of a withdrawal.</summary>
internal sealed class WithdrawTimeoutTick
{
    public static readonly WithdrawTimeoutTick Instance = new();
    private WithdrawTimeoutTick() { }
}

/// <summary>The router's note to itself to apply the route changes received so far.</summary>
internal sealed class FlushLocalRoutes
{
    public static readonly FlushLocalRoutes Instance = new();
    private FlushLocalRoutes() { }
}
