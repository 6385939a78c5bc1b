using Akka.Actor;
using Akka.Cluster;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Serialization;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// The router's view of other nodes' routes: what each node serves, and which of those nodes are
/// members and reachable right now. Routes of a node count only while that very incarnation is a
/// member and reachable, so a crashed node's routes stop being used the moment the failure detector
/// marks it, without waiting for anything else.
/// </summary>
/// <remarks>
/// A node's routes come from one of two sources (docs/architecture.md#the-router): route sync, the
/// numbered changes its router sends straight here, for members that read wire format 5; or the
/// replicated map of the releases before it (one value per node holding all its routes), for members
/// that read only older formats, during a rolling upgrade. The routes of each source are kept as
/// built <see cref="Route"/>s (provider resolved, ledger record attached), so a rebuild of the trie
/// only walks them.
/// </remarks>
internal sealed class ClusterRoutes(IActorRefProvider provider, Address self, Func<Route, Route> track)
{
    private readonly Dictionary<Address, long> _members = new();
    // The newest kernel wire format each member reads (WireVersionRole).
    private readonly Dictionary<Address, int> _reads = new();
    private readonly HashSet<Address> _unreachable = new();
    private readonly Dictionary<string, IActorRef> _resolved = new(StringComparer.Ordinal);
    private readonly Dictionary<Address, SyncedNodeRoutes> _synced = new();
    private Dictionary<Address, (NodeRoutes Entry, List<Route> Routes)> _replicated = new();

    /// <summary>Replaces what the replicated map of older releases says; returns the nodes whose entries changed.</summary>
    public List<Address> SetReplicated(IEnumerable<KeyValuePair<string, NodeRoutes>> entries)
    {
        var next = new Dictionary<Address, (NodeRoutes, List<Route>)>();
        var changed = new List<Address>();
        foreach (var (key, value) in entries)
        {
            var node = Address.Parse(key);
            if (node == self) continue;
            if (_replicated.TryGetValue(node, out var old) && old.Entry.Equals(value)) next[node] = old;
            else
            {
                next[node] = (value, [.. value.Routes.Select(entry => ToRoute(node, entry))]);
                changed.Add(node);
            }
        }
        changed.AddRange(_replicated.Keys.Where(k => !next.ContainsKey(k)));
        _replicated = next;
        return changed;
    }

    /// <summary>The route sync state of <paramref name="node"/>, made on first use.</summary>
    public SyncedNodeRoutes Synced(Address node)
    {
        if (!_synced.TryGetValue(node, out var routes))
            _synced[node] = routes = new SyncedNodeRoutes(entry => ToRoute(node, entry));
        return routes;
    }

    public void MemberUp(Member member)
    {
        _members[member.Address] = member.UniqueAddress.Uid;
        _reads[member.Address] = WireVersionRole.ReadBy(member.Roles);
    }

    /// <summary>Whether <paramref name="node"/> reads a <c>Complete</c> with trace context (wire format 4).</summary>
    public bool ReadsTraceContext(Address node) => _reads.TryGetValue(node, out var version) && version >= KernelMessageSerializer.ExtensionsVersion;

    /// <summary>Whether <paramref name="node"/> is a member that takes part in route sync (wire format 5).</summary>
    public bool Syncs(Address node) => _reads.TryGetValue(node, out var version) && version >= KernelMessageSerializer.RouteSyncVersion;

    /// <summary>The other members that take part in route sync.</summary>
    public IEnumerable<Address> SyncingMembers() => _members.Keys.Where(node => node != self && Syncs(node));

    /// <summary>Whether some member reads only the replicated map (a node of an older release, during a rolling upgrade).</summary>
    public bool HasReplicatedMapReaders => _members.Keys.Any(node => node != self && !Syncs(node));

    public void MemberRemoved(UniqueAddress member)
    {
        if (_members.TryGetValue(member.Address, out var uid) && uid == member.Uid)
        {
            _members.Remove(member.Address);
            _reads.Remove(member.Address);
        }
        if (_synced.TryGetValue(member.Address, out var synced) && (synced.Incarnation == member.Uid || synced.Version < 0))
            _synced.Remove(member.Address);
        _unreachable.Remove(member.Address);
        var prefix = member.Address.ToString();
        foreach (var path in _resolved.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            _resolved.Remove(path);
    }

    public bool Unreachable(Address node) => _unreachable.Add(node);

    public bool Reachable(Address node) => _unreachable.Remove(node);

    /// <summary>How many routes are held for <paramref name="node"/>.</summary>
    public int RouteCount(Address node) => Held(node)?.Count ?? 0;

    /// <summary>The incarnation whose routes are held for <paramref name="node"/>, if any.</summary>
    public long? IncarnationOf(Address node) => Held(node)?.Incarnation;

    /// <summary>Whether the routes held for <paramref name="node"/> are in use (member, same incarnation, reachable).</summary>
    public bool IsActive(Address node) => Held(node) is { } held && IsActive(node, held.Incarnation);

    /// <summary>Every other node's route, and whether it is in use (member, same incarnation, reachable).</summary>
    public IEnumerable<(Route Route, bool Active)> Routes()
    {
        foreach (var node in _synced.Keys.Union(_replicated.Keys))
        {
            if (Held(node) is not { } held) continue;
            var active = IsActive(node, held.Incarnation);
            foreach (var route in held.Routes) yield return (route, active);
        }
    }

    private bool IsActive(Address node, long incarnation) =>
        _members.TryGetValue(node, out var uid) && uid == incarnation && !_unreachable.Contains(node);

    /// <summary>One node's routes as held, whichever source they came from.</summary>
    private readonly record struct HeldRoutes(long Incarnation, int Count, IEnumerable<Route> Routes);

    /// <summary>Route sync for a member that takes part in it (or held from it before), else the replicated map.</summary>
    private HeldRoutes? Held(Address node)
    {
        if (_synced.TryGetValue(node, out var synced) && synced.Version >= 0 && (Syncs(node) || !_replicated.ContainsKey(node)))
            return new HeldRoutes(synced.Incarnation, synced.Count, synced.Routes);
        return _replicated.TryGetValue(node, out var replicated)
            ? new HeldRoutes(replicated.Entry.Incarnation, replicated.Routes.Count, replicated.Routes)
            : null;
    }

    private Route ToRoute(Address node, RouteEntry entry) =>
        track(new Route(entry.Prefix, entry.Module, Resolve(entry.ProviderPath), node, entry.Pure));

    private IActorRef Resolve(string path)
    {
        if (!_resolved.TryGetValue(path, out var actor))
            _resolved[path] = actor = provider.ResolveActorRef(path);
        return actor;
    }
}
