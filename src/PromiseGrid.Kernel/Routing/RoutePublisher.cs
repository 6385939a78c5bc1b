using System.Collections.Immutable;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// This node's side of route sync (docs/architecture.md#the-router): numbers the changes of the
/// local routes and cuts them, and snapshots, into messages of at most <see cref="EntriesPerMessage"/>
/// entries, so a module that registers ten thousand prefixes sends some twenty messages of tens of
/// kilobytes to each node, never one value of a megabyte.
/// </summary>
internal sealed class RoutePublisher(string node, long incarnation)
{
    /// <summary>Route entries per message: about 40 KB with the usual prefixes and actor paths.</summary>
    public const int EntriesPerMessage = 500;

    private readonly Dictionary<(Sequence Prefix, string Provider), RouteEntry> _published = new();

    public long Version { get; private set; }

    public int Count => _published.Count;

    /// <summary>The numbered changes that turn what was published into <paramref name="current"/> (none if equal).</summary>
    public List<RoutesDelta> Publish(IEnumerable<RouteEntry> current)
    {
        var next = new Dictionary<(Sequence, string), RouteEntry>();
        foreach (var entry in current) next[(entry.Prefix, entry.ProviderPath)] = entry;
        var added = next.Values.Where(e => !_published.TryGetValue((e.Prefix, e.ProviderPath), out var old) || old != e).ToList();
        var removed = _published.Values.Where(e => !next.ContainsKey((e.Prefix, e.ProviderPath))).ToList();
        var deltas = new List<RoutesDelta>();
        int a = 0, r = 0;
        while (a < added.Count || r < removed.Count)
        {
            var take = Math.Min(EntriesPerMessage, added.Count - a);
            var adds = added.GetRange(a, take);
            var removes = removed.GetRange(r, Math.Min(EntriesPerMessage - take, removed.Count - r));
            a += adds.Count;
            r += removes.Count;
            foreach (var entry in removes) _published.Remove((entry.Prefix, entry.ProviderPath));
            foreach (var entry in adds) _published[(entry.Prefix, entry.ProviderPath)] = entry;
            deltas.Add(new RoutesDelta(node, incarnation, ++Version, [.. adds],
                [.. removes.Select(e => e with { Module = "", Pure = false })]));
        }
        return deltas;
    }

    /// <summary>Everything published, at the current version, in parts.</summary>
    public List<RoutesSnapshot> Snapshot()
    {
        var entries = _published.Values.ToList();
        var parts = new List<RoutesSnapshot>();
        for (var start = 0; start == 0 || start < entries.Count; start += EntriesPerMessage)
        {
            var chunk = entries.GetRange(start, Math.Min(EntriesPerMessage, entries.Count - start));
            parts.Add(new RoutesSnapshot(node, incarnation, Version, parts.Count, start + EntriesPerMessage >= entries.Count, [.. chunk]));
        }
        return parts;
    }

    public RoutesVersion Announce(bool wantsAck) => new(node, incarnation, Version, wantsAck);
}
