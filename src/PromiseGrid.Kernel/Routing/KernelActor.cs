using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// The router: matches each <see cref="Complete"/> against the longest registered prefix and
/// forwards the very same message to a provider, which answers the requester directly.
/// It also keeps the route table: modules register and unregister here, and a provider that
/// stops takes its routes with it.
/// </summary>
/// <remarks>
/// Hot path: one size check, one lookup in an immutable <see cref="PrefixTrie{T}"/> snapshot
/// (no locks, no allocation), one Forward. Everything that allocates (rebuilding the trie,
/// logging) happens on route changes or refusals, never per completion.
/// </remarks>
public sealed class KernelActor : UntypedActor
{
    private readonly GridSettings _settings;
    private readonly RouteTable _table;
    private readonly PrefixTrieBuilder<Route> _routes = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Address _selfAddress;
    private readonly string _selfName;
    private PrefixTrie<Route> _snapshot = PrefixTrie<Route>.Empty;

    public KernelActor(GridSettings settings, RouteTable table)
    {
        _settings = settings;
        _table = table;
        _selfAddress = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        _selfName = $"kernel@{_selfAddress}";
    }

    public static Props Props(GridSettings settings, RouteTable table) =>
        Akka.Actor.Props.Create(() => new KernelActor(settings, table));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Complete complete:
                Route(complete);
                break;
            case Register register:
                OnRegister(register.Route, Sender);
                break;
            case Unregister unregister:
                OnUnregister(unregister.Prefix, Sender);
                break;
            case Terminated terminated:
                OnProviderStopped(terminated.ActorRef);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Route(Complete complete)
    {
        var sequence = complete.Sequence;
        if (sequence.Length > _settings.MaxSequenceBytes)
        {
            _log.Warning("oversize sequence refused id={0} bytes={1} limit={2}", complete.Id, sequence.Length, _settings.MaxSequenceBytes);
            Sender.Tell(Completion.Failed(complete.Id, CompletionStatus.TooLarge, _selfName,
                $"sequence of {sequence.Length} bytes is over the limit of {_settings.MaxSequenceBytes} bytes"));
            return;
        }
        if (!_snapshot.TryMatch(sequence.Span, out var match))
        {
            Sender.Tell(Completion.Failed(complete.Id, CompletionStatus.NoRoute, _selfName,
                $"no module serves a prefix of '{sequence.ToString(64)}'"));
            return;
        }
        var route = PickProvider(match.Values, _selfAddress);
        if (_log.IsDebugEnabled)
            _log.Debug("route id={0} prefix={1} provider={2}", complete.Id, route.Prefix, route.ProviderName);
        route.Provider.Forward(complete);
    }

    /// <summary>
    /// The provider a request goes to: one on this node if any (it costs no network hop).
    /// The requester uses the same choice to name who broke a promise.
    /// </summary>
    internal static Route PickProvider(System.Collections.Immutable.ImmutableArray<Route> providers, Address self)
    {
        foreach (var route in providers)
            if (route.Node == self) return route;
        return providers[0];
    }

    private void OnRegister(RouteSpec spec, IActorRef provider)
    {
        var refusal = Check(spec, provider);
        if (refusal is not null)
        {
            _log.Warning("registration refused module={0} prefix={1} reason={2}", spec.Module, spec.Prefix.ToString(64), refusal);
            provider.Tell(new RegistrationRefused(spec, refusal));
            return;
        }
        var node = provider.Path.Address.HasLocalScope ? _selfAddress : provider.Path.Address;
        var route = new Route(spec.Prefix, spec.Module, provider, node, spec.Pure);
        // Same prefix and provider again replaces the old entry (the module may change flags).
        _routes.Remove(spec.Prefix, route);
        _routes.Add(spec.Prefix, route);
        Context.Watch(provider);
        PublishSnapshot();
        _log.Info("module registered module={0} prefix={1} node={2} pure={3} routes={4}",
            spec.Module, spec.Prefix, node, spec.Pure, _snapshot.ValueCount);
        provider.Tell(new Registered(spec));
    }

    private string? Check(RouteSpec spec, IActorRef provider)
    {
        if (provider.IsNobody()) return "a route needs a provider (send Register from the module actor)";
        if (string.IsNullOrWhiteSpace(spec.Module)) return "module name is empty";
        if (spec.Prefix.Length > _settings.MaxPrefixBytes)
            return $"prefix of {spec.Prefix.Length} bytes is over the limit of {_settings.MaxPrefixBytes} bytes";
        return null;
    }

    private void OnUnregister(Sequence prefix, IActorRef provider)
    {
        var removed = _routes.RemoveWhere((p, r) => p == prefix && r.Provider.Equals(provider)) > 0;
        if (removed)
        {
            PublishSnapshot();
            _log.Info("module unregistered prefix={0} provider={1} routes={2}", prefix, provider.Path, _snapshot.ValueCount);
        }
        provider.Tell(new Unregistered(prefix, removed));
    }

    private void OnProviderStopped(IActorRef provider)
    {
        var dropped = new List<Route>();
        _routes.RemoveWhere((_, route) =>
        {
            if (!route.Provider.Equals(provider)) return false;
            dropped.Add(route);
            return true;
        });
        if (dropped.Count == 0) return;
        PublishSnapshot();
        foreach (var route in dropped)
            _log.Warning("route dropped module={0} prefix={1} node={2} reason=provider-stopped routes={3}",
                route.Module, route.Prefix, route.Node, _snapshot.ValueCount);
    }

    private void PublishSnapshot()
    {
        _snapshot = _routes.Build();
        _table.Publish(_snapshot);
    }
}
