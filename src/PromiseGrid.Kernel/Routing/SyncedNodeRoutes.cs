using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Routing;

/// <summary>What taking a route sync message did.</summary>
internal enum SyncOutcome
{
    /// <summary>The held routes changed.</summary>
    Changed,
    /// <summary>The held routes changed by new routes only (the caller's list holds them), so the trie may grow in place.</summary>
    Added,
    /// <summary>Nothing to do: old news, or a snapshot part still being collected.</summary>
    Unchanged,
    /// <summary>The message does not follow what is held (a lost change, a new incarnation): ask the owner for a snapshot.</summary>
    NeedSnapshot,
}

/// <summary>
/// One other node's routes as this node's router holds them from route sync
/// (docs/architecture.md#the-router): a version, the routes at that version, and a snapshot being
/// collected. The changes of one owner arrive in the order it sent them (Akka keeps the order between
/// two actors), so a change that does not follow the held version means one was lost.
/// </summary>
internal sealed class SyncedNodeRoutes(Func<RouteEntry, Route> toRoute)
{
    private readonly Dictionary<(Sequence Prefix, string Provider), Route> _routes = new();
    private readonly List<RouteEntry> _staged = [];
    private (long Incarnation, long Version, int NextPart)? _staging;

    /// <summary>The incarnation whose routes are held; meaningless while <see cref="Version"/> is −1.</summary>
    public long Incarnation { get; private set; }

    /// <summary>The owner's version held, −1 before the first snapshot.</summary>
    public long Version { get; private set; } = -1;

    /// <summary>When this router last asked the owner for a snapshot (Environment.TickCount64), null when no request is open.</summary>
    public long? RequestedAt { get; set; }

    public int Count => _routes.Count;

    public IEnumerable<Route> Routes => _routes.Values;

    /// <param name="added">Receives the new routes when the outcome is <see cref="SyncOutcome.Added"/>.</param>
    public SyncOutcome Take(RoutesDelta delta, List<Route>? added = null)
    {
        if (Version < 0 || delta.Incarnation != Incarnation)
            return _staging is { } s && s.Incarnation == delta.Incarnation ? SyncOutcome.Unchanged : SyncOutcome.NeedSnapshot;
        if (delta.Version <= Version) return SyncOutcome.Unchanged;
        if (delta.Version != Version + 1) return SyncOutcome.NeedSnapshot;
        var onlyNew = delta.Removed.IsEmpty;
        foreach (var removed in delta.Removed) _routes.Remove((removed.Prefix, removed.ProviderPath));
        foreach (var entry in delta.Added)
        {
            var route = toRoute(entry);
            onlyNew &= _routes.TryAdd((entry.Prefix, entry.ProviderPath), route);
            _routes[(entry.Prefix, entry.ProviderPath)] = route;
            added?.Add(route);
        }
        Version = delta.Version;
        return onlyNew && added is not null ? SyncOutcome.Added : SyncOutcome.Changed;
    }

    public SyncOutcome Take(RoutesSnapshot part)
    {
        if (part.Part == 0)
        {
            _staging = (part.Incarnation, part.Version, 0);
            _staged.Clear();
        }
        if (_staging is not { } s || s.Incarnation != part.Incarnation || s.Version != part.Version || s.NextPart != part.Part)
        {
            // A part of a snapshot whose beginning this router never got.
            _staging = null;
            _staged.Clear();
            return SyncOutcome.NeedSnapshot;
        }
        _staged.AddRange(part.Routes);
        _staging = s with { NextPart = s.NextPart + 1 };
        if (!part.Last) return SyncOutcome.Unchanged;
        _staging = null;
        RequestedAt = null;
        if (part.Incarnation == Incarnation && part.Version < Version)
        {
            _staged.Clear();
            return SyncOutcome.Unchanged; // an answer to an older request: newer changes are held already
        }
        var previous = _routes.Count == 0 ? null : new Dictionary<(Sequence, string), Route>(_routes);
        _routes.Clear();
        foreach (var entry in _staged)
        {
            var key = (entry.Prefix, entry.ProviderPath);
            // Keep the Route already built for an unchanged entry: it carries its ledger record.
            _routes[key] = previous is not null && previous.TryGetValue(key, out var old) && old.Module == entry.Module && old.Pure == entry.Pure
                ? old
                : toRoute(entry);
        }
        _staged.Clear();
        Incarnation = part.Incarnation;
        Version = part.Version;
        return SyncOutcome.Changed;
    }

    /// <summary>Whether the owner's announced version is one this router does not hold (and is not collecting).</summary>
    public bool IsBehind(RoutesVersion announced) =>
        announced.Incarnation != Incarnation || announced.Version > Version || Version < 0;

    /// <summary>Whether a snapshot is being collected.</summary>
    public bool Collecting => _staging is not null;
}
