using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Ledger;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Routing;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The grid as a requester sees it: hand in a sequence, get back its completion. Usable from
/// host code and from inside actors and modules alike (<c>Grid.Get(system)</c>).
/// </summary>
public interface IGrid
{
    /// <summary>This node's router actor.</summary>
    IActorRef Router { get; }

    GridSettings Settings { get; }

    /// <summary>This node's current route snapshot.</summary>
    RouteTable Routes { get; }

    /// <summary>This node's capability checks (docs/architecture.md#capabilities-and-security): trusted issuers, verified tokens, revocations.</summary>
    CapabilityGuard Security { get; }

    /// <summary>This node's cache of completions of pure routes (<c>promisegrid.cache</c>).</summary>
    CompletionCache Cache { get; }

    /// <summary>This node's promise ledger: how providers kept the promises this node's requesters relied on.</summary>
    PromiseLedger Ledger { get; }

    /// <summary>
    /// Completes <paramref name="sequence"/>. Never throws for grid outcomes: the returned
    /// <see cref="Completion.Status"/> says how it ended (a passed deadline is
    /// <see cref="CompletionStatus.BrokenPromise"/>). Throws <see cref="OperationCanceledException"/>
    /// only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="deadline">How long to wait; defaults to <c>promisegrid.default-deadline</c>, capped by <c>max-deadline</c>.</param>
    /// <remarks>The request carries this node's own capability (<c>promisegrid.security.token</c>), if it has one.</remarks>
    Task<Completion> CompleteAsync(Sequence sequence, TimeSpan? deadline = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes <paramref name="sequence"/> presenting <paramref name="capability"/> (null: none)
    /// instead of this node's own; otherwise as <see cref="CompleteAsync(Sequence, TimeSpan?, CancellationToken)"/>.
    /// </summary>
    Task<Completion> CompleteAsync(Sequence sequence, Capability? capability, TimeSpan? deadline = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="CompleteAsync(Sequence, Capability?, TimeSpan?, CancellationToken)"/>, and hands
    /// <paramref name="onPart"/> each piece of the completion a module sends ahead of it
    /// (<see cref="CompletionPart"/>), in order, as it arrives. The pieces are a prefix of the
    /// returned completion's bytes, which holds all of them. <paramref name="onPart"/> runs on the
    /// thread that delivers the piece: it must be quick and must not block (hand the piece on, say
    /// to a channel). Unlike other requests, a streamed request whose provider's node is lost after
    /// it sent a piece is not sent again (a second provider would not continue the first one's
    /// bytes): it ends as <see cref="CompletionStatus.BrokenPromise"/>.
    /// </summary>
    Task<Completion> CompleteAsync(Sequence sequence, Capability? capability, Action<Sequence> onPart, TimeSpan? deadline = null,
        CancellationToken cancellationToken = default);
}
