using Akka.Actor;
using Akka.Cluster;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Serialization;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// The router's view of other nodes' routes: what the replicated table says each node serves,
/// and which of those nodes are members and reachable right now. Routes of a node count only
/// while that very incarnation is a member and reachable, so a crashed node's routes stop
/// being used the moment the failure detector marks it, without waiting for gossip.
/// </summary>
internal sealed class ClusterRoutes(IActorRefProvider provider, Address self)
{
    private readonly Dictionary<Address, long> _members = new();
    // Members that read wire format 4 or newer (WireVersionRole); the others get nothing a v3 node can't read.
    private readonly HashSet<Address> _readsTraceContext = new();
    private readonly HashSet<Address> _unreachable = new();
    private readonly Dictionary<string, IActorRef> _resolved = new(StringComparer.Ordinal);
    private Dictionary<Address, NodeRoutes> _entries = new();

    /// <summary>Replaces what the replicated table says; returns the nodes whose entries changed.</summary>
    public List<Address> SetEntries(IEnumerable<KeyValuePair<string, NodeRoutes>> entries)
    {
        var next = new Dictionary<Address, NodeRoutes>();
        foreach (var (key, value) in entries)
        {
            var node = Address.Parse(key);
            if (node != self) next[node] = value;
        }
        var changed = next.Where(e => !_entries.TryGetValue(e.Key, out var old) || !old.Equals(e.Value)).Select(e => e.Key)
            .Concat(_entries.Keys.Where(k => !next.ContainsKey(k)))
            .ToList();
        _entries = next;
        return changed;
    }

    public void MemberUp(Member member)
    {
        _members[member.Address] = member.UniqueAddress.Uid;
        if (WireVersionRole.ReadBy(member.Roles) >= 4) _readsTraceContext.Add(member.Address);
        else _readsTraceContext.Remove(member.Address);
    }

    /// <summary>Whether <paramref name="node"/> reads a <c>Complete</c> with trace context (wire format 4).</summary>
    public bool ReadsTraceContext(Address node) => _readsTraceContext.Contains(node);

    public void MemberRemoved(UniqueAddress member)
    {
        if (_members.TryGetValue(member.Address, out var uid) && uid == member.Uid)
        {
            _members.Remove(member.Address);
            _readsTraceContext.Remove(member.Address);
        }
        _unreachable.Remove(member.Address);
        var prefix = member.Address.ToString();
        foreach (var path in _resolved.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            _resolved.Remove(path);
    }

    public bool Unreachable(Address node) => _unreachable.Add(node);

    public bool Reachable(Address node) => _unreachable.Remove(node);

    /// <summary>How many routes the replicated table lists for <paramref name="node"/>.</summary>
    public int RouteCount(Address node) => _entries.TryGetValue(node, out var entry) ? entry.Routes.Length : 0;

    /// <summary>The incarnation whose routes the table holds for <paramref name="node"/>, if any.</summary>
    public long? IncarnationOf(Address node) => _entries.TryGetValue(node, out var entry) ? entry.Incarnation : null;

    /// <summary>Every other node's route, and whether it is in use (member, same incarnation, reachable).</summary>
    public IEnumerable<(Route Route, bool Active)> Routes()
    {
        foreach (var (node, entry) in _entries)
        {
            var active = _members.TryGetValue(node, out var uid) && uid == entry.Incarnation && !_unreachable.Contains(node);
            foreach (var route in entry.Routes)
                yield return (new Route(route.Prefix, route.Module, Resolve(route.ProviderPath), node, route.Pure), active);
        }
    }

    private IActorRef Resolve(string path)
    {
        if (!_resolved.TryGetValue(path, out var actor))
            _resolved[path] = actor = provider.ResolveActorRef(path);
        return actor;
    }
}
