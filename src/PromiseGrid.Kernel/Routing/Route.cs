using Akka.Actor;
using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Routing;

/// <summary>One provider's promise for one prefix, as the router holds it.</summary>
/// <param name="Node">The address of the node the provider runs on.</param>
public sealed record Route(Sequence Prefix, string Module, IActorRef Provider, Address Node, bool Pure)
{
    /// <summary>The name a requester sees for this provider: <c>module@node</c>.</summary>
    public string ProviderName { get; } = $"{Module}@{Node}";

    // Routes are identified by prefix and provider; module name and flags ride along.
    public bool Equals(Route? other) => other is not null && Prefix == other.Prefix && Provider.Equals(other.Provider);
    public override int GetHashCode() => HashCode.Combine(Prefix, Provider);
}
