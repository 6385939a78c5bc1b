using System.Collections.Immutable;

namespace PromiseGrid.Kernel.Protocol;

// Route sync (wire format 5, docs/wire.md#route-sync): each router sends its own node's routes
// straight to the routers of the other nodes, as numbered changes, instead of rewriting all of
// them in one replicated value (docs/architecture.md#the-router). Node is the owner's address and
// Incarnation its cluster UID, so a restarted node's routes are told apart from its predecessor's.

/// <summary>
/// One numbered change of the owner's routes: taking it turns version <c>Version − 1</c> into
/// <paramref name="Version"/>. <paramref name="Removed"/> entries name a route by prefix and
/// provider path only (their module is empty). A receiver that holds another version asks for a
/// snapshot (<see cref="RoutesRequest"/>).
/// </summary>
internal sealed record RoutesDelta(string Node, long Incarnation, long Version,
    ImmutableArray<RouteEntry> Added, ImmutableArray<RouteEntry> Removed) : IKernelMessage
{
    public bool Equals(RoutesDelta? other) =>
        other is not null && Node == other.Node && Incarnation == other.Incarnation && Version == other.Version
        && Added.SequenceEqual(other.Added) && Removed.SequenceEqual(other.Removed);

    public override int GetHashCode() => HashCode.Combine(Node, Incarnation, Version, Added.Length, Removed.Length);
}

/// <summary>
/// Part <paramref name="Part"/> (from 0) of all the owner's routes at <paramref name="Version"/>;
/// the receiver takes the parts in order and replaces what it held once the <paramref name="Last"/>
/// one arrives, so a route present before and after is never missing in between.
/// </summary>
internal sealed record RoutesSnapshot(string Node, long Incarnation, long Version, int Part, bool Last,
    ImmutableArray<RouteEntry> Routes) : IKernelMessage
{
    public bool Equals(RoutesSnapshot? other) =>
        other is not null && Node == other.Node && Incarnation == other.Incarnation && Version == other.Version
        && Part == other.Part && Last == other.Last && Routes.SequenceEqual(other.Routes);

    public override int GetHashCode() => HashCode.Combine(Node, Incarnation, Version, Part, Routes.Length);
}

/// <summary>Asks the owner's router for a snapshot: the sender holds nothing, or not the owner's current version.</summary>
internal sealed record RoutesRequest(long Incarnation, long Version) : IKernelMessage;

/// <summary>
/// The owner's current version, sent now and then to every router so a lost change is noticed
/// and healed. With <paramref name="WantsAck"/> the receiver answers <see cref="RoutesAck"/> once it
/// holds that version (a leaving node waits for that before it goes).
/// </summary>
internal sealed record RoutesVersion(string Node, long Incarnation, long Version, bool WantsAck) : IKernelMessage;

/// <summary>The sender holds the owner's routes at <paramref name="Version"/> (or newer).</summary>
internal sealed record RoutesAck(long Incarnation, long Version) : IKernelMessage;
