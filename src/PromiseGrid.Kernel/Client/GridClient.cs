using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Routing;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The requester side of a completion (DESIGN §4): it owns the deadline, so a request never
/// waits past it, and turns a silent provider into a <see cref="CompletionStatus.BrokenPromise"/>
/// that names who broke it.
/// </summary>
public sealed class GridClient : IExtension, IGrid
{
    private readonly ILoggingAdapter _log;
    private readonly Address _selfAddress;
    private long _nextId;

    public GridClient(ExtendedActorSystem system)
    {
        system.Settings.InjectTopLevelFallback(GridSettings.DefaultConfig());
        Settings = GridSettings.Create(system);
        Routes = new RouteTable();
        Kernel = system.SystemActorOf(KernelActor.Props(Settings, Routes), Settings.KernelActorName);
        _log = Logging.GetLogger(system, "promisegrid.client");
        _selfAddress = system.Provider.DefaultAddress;
    }

    public IActorRef Kernel { get; }
    public GridSettings Settings { get; }
    public RouteTable Routes { get; }

    public async Task<Completion> CompleteAsync(Sequence sequence, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var budget = Settings.DeadlineFor(deadline);
        if (budget <= TimeSpan.Zero)
            return BrokenPromise(id, sequence, budget); // e.g. a module passing on a deadline that has run out
        var started = Stopwatch.GetTimestamp();
        var request = new Complete(id, sequence, DateTimeOffset.UtcNow.Add(budget).ToUnixTimeMilliseconds());
        Completion completion;
        try
        {
            completion = await Kernel.Ask<Completion>(request, budget, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            completion = BrokenPromise(id, sequence, budget);
        }
        if (completion.Status == CompletionStatus.BrokenPromise)
            _log.Warning("broken promise id={0} provider={1} reason={2}", id, completion.Provider, completion.Reason);
        else if (_log.IsDebugEnabled)
            _log.Debug("completion id={0} status={1} provider={2} latency_ms={3:F3}",
                id, completion.Status, completion.Provider, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return completion;
    }

    /// <summary>Names the provider the request was routed to, from the current snapshot.</summary>
    private Completion BrokenPromise(long id, Sequence sequence, TimeSpan budget)
    {
        var provider = "unknown";
        var prefix = "";
        if (Routes.Snapshot.TryMatch(sequence.Span, out var match))
        {
            var route = KernelActor.PickProvider(match.Values, _selfAddress);
            provider = route.ProviderName;
            prefix = route.Prefix.ToString(64);
        }
        return Completion.Failed(id, CompletionStatus.BrokenPromise, provider,
            $"no completion within {budget.TotalMilliseconds:0} ms from {provider} (prefix '{prefix}')");
    }
}
