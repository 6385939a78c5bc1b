using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// The current immutable route snapshot of one node, published by the router actor and
/// readable from any thread without locks (the gateway's <c>/routes</c>, <c>sys/routes</c>,
/// health checks). Only the router writes it; readers always see a whole snapshot.
/// </summary>
public sealed class RouteTable
{
    private PrefixTrie<Route> _snapshot = PrefixTrie<Route>.Empty;

    public PrefixTrie<Route> Snapshot => Volatile.Read(ref _snapshot);

    internal void Publish(PrefixTrie<Route> snapshot) => Volatile.Write(ref _snapshot, snapshot);

    /// <summary>Every route, sorted by prefix bytes, as operators see them.</summary>
    public IReadOnlyList<RouteView> Views()
    {
        var views = new List<RouteView>();
        foreach (var (_, routes) in Snapshot.Entries)
            foreach (var route in routes)
                views.Add(RouteView.Of(route));
        return views;
    }
}
