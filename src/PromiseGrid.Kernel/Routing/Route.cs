using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Ledger;

namespace PromiseGrid.Kernel.Routing;

/// <summary>One provider's promise for one prefix, as the router holds it.</summary>
/// <param name="Node">The address of the node the provider runs on.</param>
public sealed record Route(Sequence Prefix, string Module, IActorRef Provider, Address Node, bool Pure)
{
    /// <summary>The name a requester sees for this provider: <c>module@node</c>.</summary>
    public string ProviderName { get; } = $"{Module}@{Node}";

    /// <summary>
    /// This node's ledger record of the provider for this prefix, attached by the router when
    /// it builds its snapshot so that choosing and recording never look it up by name. Null
    /// on a route made outside the router: such a route counts as fully trusted.
    /// </summary>
    public PromiseRecord? Promises { get; init; }

    // Routes are identified by prefix and provider; module name and flags ride along.
    public bool Equals(Route? other) => other is not null && Prefix == other.Prefix && Provider.Equals(other.Provider);
    public override int GetHashCode() => HashCode.Combine(Prefix, Provider);
}
