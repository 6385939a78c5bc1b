using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using PromiseGrid.Kernel.Client;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// Spreads the two things every node must agree on for capabilities: revoked links (a grow-only
/// set: a revocation is forever) and used holder-proof nonces (a set pruned as proofs expire),
/// through Akka.DistributedData, and feeds what arrives from other nodes into the
/// <see cref="CapabilityGuard"/>. Writes go to every reachable node at once (write-all) and are
/// acknowledged when they are there or the replication timeout passed; gossip heals the rest.
/// </summary>
internal sealed class SecurityReplicator : ReceiveActor, IWithTimers
{
    public static readonly GSetKey<string> RevokedKey = new("promisegrid-revoked");
    public static readonly ORSetKey<string> NoncesKey = new("promisegrid-nonces");

    /// <summary>Record a revoked link (hex hash) on every node; answered with <see cref="Recorded"/>.</summary>
    public sealed record RevokeLink(string HashHex);

    /// <summary>Record a used nonce on every node; answered with <see cref="Recorded"/>, or <see cref="NonceReplayed"/> when another node had it first.</summary>
    public sealed record ClaimNonce(string NonceKey, long ExpiresUnixMs);

    /// <summary>The nonce was already in this node's replica of the set: another node accepted the same proof.</summary>
    public sealed record NonceReplayed(string NonceKey);

    /// <summary>The write reached every node (<paramref name="EveryNode"/>) or stands locally and spreads by gossip.</summary>
    public sealed record Recorded(bool EveryNode);

    private sealed class PruneTick
    {
        public static readonly PruneTick Instance = new();
    }

    private static readonly TimeSpan PruneInterval = TimeSpan.FromSeconds(10);

    private readonly CapabilityGuard _guard;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster? _cluster;
    private readonly IActorRef _replicator = ActorRefs.Nobody;

    public ITimerScheduler Timers { get; set; } = null!;

    public SecurityReplicator(CapabilityGuard guard)
    {
        _guard = guard;
        if (((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider)
        {
            _cluster = Cluster.Get(Context.System);
            _replicator = DistributedData.Get(Context.System).Replicator;
        }

        Receive<RevokeLink>(OnRevoke);
        Receive<ClaimNonce>(OnClaimNonce);
        Receive<Changed>(changed => changed.Key.Equals(RevokedKey), changed => OnRevoked(changed.Get(RevokedKey)));
        Receive<Changed>(changed => changed.Key.Equals(NoncesKey), changed => OnNonces(changed.Get(NoncesKey)));
        Receive<UpdateSuccess>(success => (success.Request as IActorRef)?.Tell(new Recorded(true)));
        Receive<ModifyFailure>(failure => failure.Cause is NonceAlreadyUsedException used, failure =>
            (failure.Request as IActorRef)?.Tell(new NonceReplayed(((NonceAlreadyUsedException)failure.Cause).NonceKey)));
        Receive<UpdateTimeout>(timeout =>
        {
            _log.Debug("security write not yet acknowledged by every node key={0}", timeout.Key);
            (timeout.Request as IActorRef)?.Tell(new Recorded(false));
        });
        Receive<PruneTick>(_ => Prune());
        ReceiveAny(_ => { }); // other replicator replies (e.g. failures of a prune write)
    }

    public static Props Props(CapabilityGuard guard) => Akka.Actor.Props.Create(() => new SecurityReplicator(guard));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("prune", PruneTick.Instance, PruneInterval);
        if (_cluster is null) return;
        _replicator.Tell(Dsl.Subscribe(RevokedKey, Self));
        _replicator.Tell(Dsl.Subscribe(NoncesKey, Self));
    }

    private void OnRevoke(RevokeLink revoke)
    {
        if (_guard.Revoked.Add(revoke.HashHex))
            _log.Warning("capability revoked link={0} origin=local revoked={1}", revoke.HashHex, _guard.Revoked.Count);
        if (_cluster is null)
        {
            Sender.Tell(new Recorded(true));
            return;
        }
        _replicator.Tell(Dsl.Update(RevokedKey, GSet<string>.Empty, new WriteAll(_guard.Settings.ReplicationTimeout), Sender,
            set => set.Add(revoke.HashHex)));
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

    private void OnRevoked(GSet<string> set)
    {
        foreach (var hash in _guard.Revoked.Merge(set.Elements))
            _log.Warning("capability revoked link={0} origin=replicated revoked={1}", hash, _guard.Revoked.Count);
    }

    private void OnNonces(ORSet<string> set)
    {
        foreach (var element in set.Elements)
            if (TryParse(element, out var key, out var expires))
                _guard.Nonces.Merge(key, expires);
    }

    private void Prune()
    {
        var now = DeadlineClock.NowUnixMs();
        _guard.Nonces.Prune(now);
        if (_cluster is null) return;
        _replicator.Tell(Dsl.Update(NoncesKey, ORSet<string>.Empty, WriteLocal.Instance, null, set =>
        {
            var next = set;
            foreach (var element in set.Elements)
                if (TryParse(element, out _, out var expires) && expires < now)
                    next = next.Remove(_cluster.SelfUniqueAddress, element);
            return next;
        }));
    }

    private static bool TryParse(string element, out string key, out long expiresUnixMs)
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
