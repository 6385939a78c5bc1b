using Akka.Actor;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The Akka extension that gives every actor system its grid: <c>Grid.Get(system)</c>
/// starts the router actor on first use and returns the <see cref="IGrid"/> client.
/// </summary>
public sealed class Grid : ExtensionIdProvider<GridClient>
{
    public static new IGrid Get(ActorSystem system) => system.WithExtension<GridClient, Grid>();

    public override GridClient CreateExtension(ExtendedActorSystem system) => new(system);
}
