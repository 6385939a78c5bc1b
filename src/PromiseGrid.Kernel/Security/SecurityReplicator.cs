using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using PromiseGrid.Kernel.Client;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// Spreads the two things every node must agree on for capabilities: revocations and used
/// holder-proof nonces, through Akka.DistributedData, and feeds what arrives from other nodes
/// into the <see cref="CapabilityGuard"/>. Writes go to every reachable node at once (write-all)
/// and are acknowledged when they are there or the replication timeout passed; gossip heals the
/// rest. Both keys are durable on a node with a data folder (<see cref="DurableSecurityState"/>).
/// </summary>
/// <remarks>
/// Both sets are ORSets of strings whose elements carry their own expiry, pruned by every node
/// once expired. An ORSet rather than a GSet, because a GSet can never lose an element; rather
/// than a last-writer-wins map, because in an ORSet a removal takes away only the additions it
/// has seen and an addition concurrent with a removal wins: a node can never make the grid forget
/// a revocation another node is recording. Removals only ever follow expiry, so at worst an entry
/// lives one prune interval longer.
/// </remarks>
internal sealed class SecurityReplicator : ReceiveActor, IWithTimers
{
    /// <summary>Revocations, elements <see cref="RevocationEntry.ToElement"/>. (The GSet of the first version, "promisegrid-revoked", is no longer read.)</summary>
    public static readonly ORSetKey<string> RevocationsKey = new("promisegrid-revocations");

    /// <summary>Nonces, elements <c>"&lt;expires unix ms&gt;:&lt;nonce key&gt;"</c>.</summary>
    public static readonly ORSetKey<string> NoncesKey = new("promisegrid-nonces");

    /// <summary>Record a revocation on every node; answered with <see cref="Recorded"/> or <see cref="RevocationRefused"/>.</summary>
    public sealed record RevokeLink(RevocationEntry Entry);

    /// <summary>The revocation was not recorded: its signer is at the limit of revocations in force.</summary>
    public sealed record RevocationRefused(string Reason);

    /// <summary>Record a used nonce on every node; answered with <see cref="Recorded"/>, or <see cref="NonceReplayed"/> when another node had it first.</summary>
    public sealed record ClaimNonce(string NonceKey, long ExpiresUnixMs);

    /// <summary>The nonce was already in this node's replica of the set: another node accepted the same proof.</summary>
    public sealed record NonceReplayed(string NonceKey);

    /// <summary>The write reached every node (<paramref name="EveryNode"/>) or stands locally and spreads by gossip.</summary>
    public sealed record Recorded(bool EveryNode);

    /// <summary>
    /// Forget the revocations and nonces that are spent as of <paramref name="NowUnixMs"/>, here and in
    /// this node's replica (the removals spread by gossip). Sent every <see cref="PruneInterval"/>
    /// with the clock's time; a test sends it with a later time instead of waiting.
    /// </summary>
    public sealed record Prune(long NowUnixMs);

    /// <summary>How often spent entries are pruned.</summary>
    public static readonly TimeSpan PruneInterval = TimeSpan.FromSeconds(10);

    private sealed class PruneTick
    {
        public static readonly PruneTick Instance = new();
    }

    private readonly CapabilityGuard _guard;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster? _cluster;
    private readonly IActorRef _replicator = ActorRefs.Nobody;
    private readonly long _graceMs;

    /// <summary>The time of the latest prune: an entry spent as of then is never taken back from a replica's notification that predates the prune.</summary>
    private long _prunedAsOf;

    public ITimerScheduler Timers { get; set; } = null!;

    public SecurityReplicator(CapabilityGuard guard)
    {
        _guard = guard;
        // A revocation outlives its link by the clock difference the grid tolerates anyway
        // (proof-skew): a node whose clock is behind still refuses the link until it sees it expired.
        _graceMs = (long)guard.Settings.ProofSkew.TotalMilliseconds;
        if (((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider)
        {
            _cluster = Cluster.Get(Context.System);
            _replicator = DistributedData.Get(Context.System).Replicator;
        }

        Receive<RevokeLink>(OnRevoke);
        Receive<ClaimNonce>(OnClaimNonce);
        Receive<GetSuccess>(got => got.Key.Equals(RevocationsKey), got => OnLoaded(got.Get(RevocationsKey)));
        Receive<NotFound>(missing => missing.Key.Equals(RevocationsKey), _ => OnLoaded(ORSet<string>.Empty));
        Receive<Changed>(changed => changed.Key.Equals(RevocationsKey), changed => OnRevocations(changed.Get(RevocationsKey), "replicated"));
        Receive<Changed>(changed => changed.Key.Equals(NoncesKey), changed => OnNonces(changed.Get(NoncesKey)));
        Receive<UpdateSuccess>(success => Reply(success.Request, new Recorded(true)));
        Receive<ModifyFailure>(failure => failure.Cause is NonceAlreadyUsedException, failure =>
            (failure.Request as IActorRef)?.Tell(new NonceReplayed(((NonceAlreadyUsedException)failure.Cause).NonceKey)));
        Receive<ModifyFailure>(failure => failure.Cause is RevocationLimitException, failure =>
            (failure.Request as PendingRevocation)?.ReplyTo.Tell(new RevocationRefused(failure.Cause.Message)));
        // A durable key the store could not write (FileDurableStore logs why).
        Receive<StoreFailure>(failure => failure.Request is PendingRevocation, failure => Reply(failure.Request, new RevocationRefused(
            "this node could not write the revocation to its disk (see its log): it is in force until the node stops; submit it again")));
        Receive<StoreFailure>(failure => (failure.Request as IActorRef)?.Tell(new Recorded(false)));
        Receive<UpdateTimeout>(timeout =>
        {
            _log.Debug("security write not yet acknowledged by every node key={0}", timeout.Key);
            Reply(timeout.Request, new Recorded(false));
        });
        Receive<PruneTick>(_ => OnPrune(DeadlineClock.NowUnixMs()));
        Receive<Prune>(prune => OnPrune(prune.NowUnixMs));
        ReceiveAny(_ => { }); // other replicator replies (e.g. failures of a prune write)
    }

    public static Props Props(CapabilityGuard guard) => Akka.Actor.Props.Create(() => new SecurityReplicator(guard));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("prune", PruneTick.Instance, PruneInterval);
        if (_cluster is null)
        {
            _guard.RevocationsLoaded();
            return;
        }
        // The replicator answers only once it has loaded its durable data (it stashes requests
        // until then): until this answer the guard refuses tokens rather than miss a revocation.
        _replicator.Tell(Dsl.Get(RevocationsKey, ReadLocal.Instance));
        _replicator.Tell(Dsl.Subscribe(RevocationsKey, Self));
        _replicator.Tell(Dsl.Subscribe(NoncesKey, Self));
    }

    private void OnRevoke(RevokeLink revoke)
    {
        var entry = revoke.Entry;
        var limit = _guard.Settings.MaxRevocationsPerSigner;
        // A link already revoked (by this signer or another) stays so until it expires, which is
        // the same moment whoever revoked it: a second entry would only take a place in the limit.
        if (_guard.Revoked.Contains(entry.HashHex))
        {
            Sender.Tell(new Recorded(true));
            return;
        }
        var known = _guard.Revoked.CountBySigner(entry.Signer);
        if (known >= limit)
        {
            Sender.Tell(new RevocationRefused(RevocationLimitException.Describe(entry.Signer, known, limit)));
            return;
        }
        if (_cluster is null)
        {
            RecordLocally(entry);
            Sender.Tell(new Recorded(true));
            return;
        }
        // The limit again, inside the replicator against its replica: it holds what other nodes
        // recorded before this node's subscription was told, and durable data loaded at start.
        var element = entry.ToElement();
        _replicator.Tell(Dsl.Update(RevocationsKey, ORSet<string>.Empty, new WriteAll(_guard.Settings.ReplicationTimeout),
            new PendingRevocation(Sender, entry), set =>
            {
                var inForce = 0;
                foreach (var e in set.Elements)
                {
                    if (!RevocationEntry.TryParse(e, out var recorded)) continue;
                    if (recorded.HashHex == entry.HashHex) return set; // revoked already, e.g. on another node
                    if (recorded.Signer == entry.Signer) inForce++;
                }
                if (inForce >= limit) throw new RevocationLimitException(entry.Signer, inForce, limit);
                return set.Add(_cluster.SelfUniqueAddress, element);
            }));
    }

    /// <summary>
    /// Into this node's list once the replica took it (its write-all answered or timed out), so
    /// the node refuses the link before the revoker hears "revoked", and never keeps an entry
    /// the replica refused.
    /// </summary>
    private void RecordLocally(RevocationEntry entry)
    {
        if (_guard.Revoked.Add(entry))
            _log.Warning("capability revoked link={0} signer={1} expires={2} origin=local revoked={3}",
                entry.HashHex, entry.Signer, entry.ExpiresUnixMs, _guard.Revoked.Count);
    }

    private void OnClaimNonce(ClaimNonce claim)
    {
        if (_cluster is null)
        {
            Sender.Tell(new Recorded(true));
            return;
        }
        // The check runs inside the local replicator, against its replica: a nonce another node
        // accepted is in it as soon as that node's write-all returned, even before this node's
        // subscription is notified (notify-subscribers-interval), so a replay in sequence is
        // refused on every node.
        var element = $"{claim.ExpiresUnixMs}:{claim.NonceKey}";
        _replicator.Tell(Dsl.Update(NoncesKey, ORSet<string>.Empty, new WriteAll(_guard.Settings.ReplicationTimeout), Sender,
            set => set.Contains(element) ? throw new NonceAlreadyUsedException(claim.NonceKey) : set.Add(_cluster.SelfUniqueAddress, element)));
    }

    /// <summary>Answers the requester of an update; a revocation the replica took is recorded in this node's list first.</summary>
    private void Reply(object? request, object answer)
    {
        switch (request)
        {
            case PendingRevocation pending:
                // Unless this node already knows the link as revoked, by another node's entry (Changed).
                if (!_guard.Revoked.Contains(pending.Entry.HashHex)) RecordLocally(pending.Entry);
                pending.ReplyTo.Tell(answer);
                break;
            case IActorRef requester:
                requester.Tell(answer);
                break;
        }
    }

    private sealed record PendingRevocation(IActorRef ReplyTo, RevocationEntry Entry);

    private void OnLoaded(ORSet<string> set)
    {
        // One line, not one per entry: a restarted node may hold thousands.
        var added = _guard.Revoked.Merge(Live(set));
        _guard.RevocationsLoaded();
        _log.Info("revocations loaded revoked={0}", added.Count);
    }

    private void OnRevocations(ORSet<string> set, string origin)
    {
        foreach (var entry in _guard.Revoked.Merge(Live(set)))
            _log.Warning("capability revoked link={0} signer={1} expires={2} origin={3} revoked={4}",
                entry.HashHex, entry.Signer, entry.ExpiresUnixMs, origin, _guard.Revoked.Count);
    }

    private IEnumerable<RevocationEntry> Live(ORSet<string> set)
    {
        var now = Math.Max(DeadlineClock.NowUnixMs(), _prunedAsOf);
        return set.Elements.Select(Parse).Where(e => e is { } known && !known.IsSpent(now, _graceMs)).Select(e => e!.Value);
    }

    private void OnNonces(ORSet<string> set)
    {
        foreach (var element in set.Elements)
            if (TryParseNonce(element, out var key, out var expires))
                _guard.Nonces.Merge(key, expires);
    }

    private void OnPrune(long now)
    {
        _prunedAsOf = Math.Max(_prunedAsOf, now);
        _guard.Nonces.Prune(now);
        foreach (var entry in _guard.Revoked.Prune(now, _graceMs))
            _log.Info("revocation dropped: its link has expired link={0} signer={1} expires={2}", entry.HashHex, entry.Signer, entry.ExpiresUnixMs);
        if (_cluster is null) return;
        _replicator.Tell(Dsl.Update(NoncesKey, ORSet<string>.Empty, WriteLocal.Instance, null, set =>
            RemoveWhere(set, element => TryParseNonce(element, out _, out var expires) && expires < now)));
        _replicator.Tell(Dsl.Update(RevocationsKey, ORSet<string>.Empty, WriteLocal.Instance, null, set =>
            RemoveWhere(set, element => Parse(element) is { } entry && entry.IsSpent(now, _graceMs))));
    }

    private ORSet<string> RemoveWhere(ORSet<string> set, Func<string, bool> spent)
    {
        var next = set;
        foreach (var element in set.Elements)
            if (spent(element))
                next = next.Remove(_cluster!.SelfUniqueAddress, element);
        return next;
    }

    private static RevocationEntry? Parse(string element) => RevocationEntry.TryParse(element, out var entry) ? entry : null;

    private static bool TryParseNonce(string element, out string key, out long expiresUnixMs)
    {
        var colon = element.IndexOf(':');
        key = colon > 0 ? element[(colon + 1)..] : "";
        return long.TryParse(element.AsSpan(0, Math.Max(colon, 0)), out expiresUnixMs) && key.Length > 0;
    }
}

/// <summary>Thrown inside a replicator update to refuse a nonce the replica already holds.</summary>
internal sealed class NonceAlreadyUsedException(string nonceKey) : Exception($"nonce {nonceKey} was already used")
{
    public string NonceKey { get; } = nonceKey;
}

/// <summary>Thrown inside a replicator update to refuse a revocation past its signer's limit.</summary>
internal sealed class RevocationLimitException(string signer, int inForce, int limit) : Exception(Describe(signer, inForce, limit))
{
    public static string Describe(string signer, int inForce, int limit) =>
        $"signer {signer[..Math.Min(12, signer.Length)]}… already has {inForce} revocations in force, the limit " +
        $"(promisegrid.security.max-revocations-per-signer = {limit}); each leaves the set once the link it names expires";
}
