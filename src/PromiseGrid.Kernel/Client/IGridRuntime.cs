using Akka.Actor;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Ledger;
using PromiseGrid.Kernel.Routing;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The grid as the node that runs it sees it: the requester's <see cref="IGrid"/> plus the parts
/// a host reads or serves from (<c>Grid.GetRuntime(system)</c>). Modules complete sequences
/// through <see cref="IGrid"/> and need none of this.
/// </summary>
public interface IGridRuntime : IGrid
{
    /// <summary>This node's router actor.</summary>
    IActorRef Router { get; }

    /// <summary>This node's current route snapshot.</summary>
    RouteTable Routes { get; }

    /// <summary>This node's capability checks: trusted issuers, verified tokens, revocations.</summary>
    CapabilityGuard Security { get; }

    /// <summary>This node's cache of completions of pure routes (<c>promisegrid.cache</c>).</summary>
    CompletionCache Cache { get; }

    /// <summary>This node's promise ledger: how providers kept the promises this node's requesters relied on.</summary>
    PromiseLedger Ledger { get; }

    /// <summary>Completions this node requested over the last minutes, per second (rate and latency).</summary>
    CompletionTimeline Timeline { get; }
}
