using Akka.Actor;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// Every actor system's grid: <c>Grid.Get(system)</c> starts the router actor on first use
/// and returns the requester's <see cref="IGrid"/>; <c>Grid.GetRuntime(system)</c> the same grid
/// as the node runs it.
/// </summary>
public static class Grid
{
    public static IGrid Get(ActorSystem system) => GetRuntime(system);

    public static IGridRuntime GetRuntime(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<GridClient, GridExtension>();
    }
}

/// <summary>The Akka extension behind <see cref="Grid"/>: one <see cref="GridClient"/> per actor system.</summary>
internal sealed class GridExtension : ExtensionIdProvider<GridClient>
{
    public override GridClient CreateExtension(ExtendedActorSystem system) => new(system);
}
