using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Routing;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The grid as a requester sees it: hand in a sequence, get back its completion. Usable from
/// host code and from inside actors and modules alike (<c>Grid.Get(system)</c>).
/// </summary>
public interface IGrid
{
    /// <summary>This node's router actor.</summary>
    IActorRef Kernel { get; }

    GridSettings Settings { get; }

    /// <summary>This node's current route snapshot.</summary>
    RouteTable Routes { get; }

    /// <summary>
    /// Completes <paramref name="sequence"/>. Never throws for grid outcomes: the returned
    /// <see cref="Completion.Status"/> says how it ended (a passed deadline is
    /// <see cref="CompletionStatus.BrokenPromise"/>). Throws <see cref="OperationCanceledException"/>
    /// only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="deadline">How long to wait; defaults to <c>promisegrid.default-deadline</c>, capped by <c>max-deadline</c>.</param>
    Task<Completion> CompleteAsync(Sequence sequence, TimeSpan? deadline = null, CancellationToken cancellationToken = default);
}
