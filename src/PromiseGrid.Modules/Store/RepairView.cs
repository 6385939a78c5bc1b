using Akka.Actor;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// This node's inventory ranked over one set of store nodes (<see cref="StorePlacement"/>): for
/// each other node, the blobs held here that it should hold (outbound: what this node's pass
/// offers it), the subset this node should hold as well (shared: what this node answers when
/// that node's pass asks), and the copies this node holds but no longer ranks for (extras).
/// </summary>
/// <remarks>Built once per inventory version and node set (<see cref="StoreRepair"/> caches it, and the
/// rankings of blobs already ranked for the same node set: ranking costs one SHA-256 per blob and node).</remarks>
internal sealed class RepairView
{
    private readonly Dictionary<Address, List<Cid>> _outbound = [];
    private readonly Dictionary<Address, List<Cid>> _shared = [];
    private readonly Dictionary<(Address, bool), StoreBuckets> _buckets = [];
    private readonly int _bucketCount;

    /// <param name="holdersOf">The nodes that rank for a blob: the top replication-factor ones (capped by the number of nodes).</param>
    public RepairView(long version, string key, IEnumerable<Cid> inventory, Func<Cid, Address[]> holdersOf, Address self, int bucketCount)
    {
        Version = version;
        Key = key;
        _bucketCount = bucketCount;
        var extras = new List<(Cid, IReadOnlyList<Address>)>();
        foreach (var cid in inventory)
        {
            Count++;
            var holders = holdersOf(cid);
            var selfHolds = holders.Contains(self);
            foreach (var holder in holders)
            {
                if (holder == self) continue;
                Add(_outbound, holder, cid);
                if (selfHolds) Add(_shared, holder, cid);
            }
            if (!selfHolds) extras.Add((cid, holders));
        }
        Extras = extras;
    }

    public long Version { get; }

    public string Key { get; }

    /// <summary>Blobs in the inventory the view was built from.</summary>
    public int Count { get; }

    /// <summary>Copies held here that this node does not rank for, with the nodes that do.</summary>
    public IReadOnlyList<(Cid Cid, IReadOnlyList<Address> Holders)> Extras { get; }

    public bool HasOutbound(Address node) => _outbound.ContainsKey(node);

    /// <summary>The blobs held here that <paramref name="node"/> ranks for, bucketed.</summary>
    public StoreBuckets OutboundBuckets(Address node) => BucketsOf(node, shared: false);

    /// <summary>The blobs held here that both this node and <paramref name="node"/> rank for, bucketed.</summary>
    public StoreBuckets SharedBuckets(Address node) => BucketsOf(node, shared: true);

    private StoreBuckets BucketsOf(Address node, bool shared)
    {
        lock (_buckets)
        {
            if (!_buckets.TryGetValue((node, shared), out var buckets))
            {
                var cids = (shared ? _shared : _outbound).GetValueOrDefault(node) ?? [];
                _buckets[(node, shared)] = buckets = new StoreBuckets(cids, _bucketCount);
            }
            return buckets;
        }
    }

    private static void Add(Dictionary<Address, List<Cid>> lists, Address node, Cid cid)
    {
        if (!lists.TryGetValue(node, out var list)) lists[node] = list = [];
        list.Add(cid);
    }
}
