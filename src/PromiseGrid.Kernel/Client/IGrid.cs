using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The grid as a requester sees it: hand in a sequence, get back its completion. Usable from
/// host code and from inside actors and modules alike (<c>Grid.Get(system)</c>). What the node
/// itself runs on (router, routes, cache, ledger) is <see cref="IGridRuntime"/>.
/// </summary>
public interface IGrid
{
    /// <summary>The grid settings of this node (<c>promisegrid.*</c>): deadlines, sequence limits.</summary>
    GridSettings Settings { get; }

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
