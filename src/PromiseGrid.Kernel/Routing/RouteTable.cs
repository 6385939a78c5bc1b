using System.Collections.Immutable;
using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// The current route state of one node, published by the router actor and readable from any
/// thread without locks: <see cref="Snapshot"/> holds the routes in use (the hot path's trie),
/// <see cref="Views"/> every known route including those of unreachable nodes. Only the router
/// writes; readers always see a whole, consistent pair.
/// </summary>
public sealed class RouteTable
{
    private State _state = new(PrefixTrie<Route>.Empty, new Lazy<ImmutableArray<RouteView>>(ImmutableArray<RouteView>.Empty));

    internal RouteTable() { }

    /// <summary>The routes in use: local ones and those of reachable members.</summary>
    public PrefixTrie<Route> Snapshot => Volatile.Read(ref _state).Active;

    /// <summary>Every known route sorted by prefix, with its node's reachability, as operators see them.</summary>
    public IReadOnlyList<RouteView> Views() => Volatile.Read(ref _state).Views.Value;

    /// <summary>Publishes a new pair; <paramref name="views"/> runs at most once, when the views are first read.</summary>
    internal void Publish(PrefixTrie<Route> active, Func<ImmutableArray<RouteView>> views) =>
        Volatile.Write(ref _state, new State(active, new Lazy<ImmutableArray<RouteView>>(views, LazyThreadSafetyMode.ExecutionAndPublication)));

    private sealed record State(PrefixTrie<Route> Active, Lazy<ImmutableArray<RouteView>> Views);
}
