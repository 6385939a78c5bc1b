using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Node.Configuration;

namespace PromiseGrid.Node.Hosting;

/// <summary>
/// One node: the <c>promisegrid</c> actor system, its grid (router and client), its modules and its cluster
/// membership. The HTTP gateway sits in front of it; <see cref="StopAsync"/> leaves the
/// cluster and stops everything through CoordinatedShutdown.
/// </summary>
public sealed class GridNode
{
    private readonly IReadOnlyList<(ModuleEntry Entry, IActorRef Actor)> _modules;

    private GridNode(ActorSystem system, NodeSettings settings, IReadOnlyList<(ModuleEntry, IActorRef)> modules)
    {
        System = system;
        Settings = settings;
        Grid = Kernel.Client.Grid.GetRuntime(system);
        Log = Logging.GetLogger(system, "promisegrid.node");
        _modules = modules;
    }

    public ActorSystem System { get; }
    public NodeSettings Settings { get; }
    public IGridRuntime Grid { get; }
    public ILoggingAdapter Log { get; }
    public Cluster Cluster => Cluster.Get(System);

    /// <summary>
    /// Starts the actor system, joins the cluster (itself when no seeds are set) and starts the
    /// configured modules. Module names are resolved before anything starts, so a typo in
    /// PG_MODULES fails fast with a <see cref="NodeConfigurationException"/>.
    /// </summary>
    public static GridNode Start(NodeSettings settings)
    {
        var entries = new ModuleLoader(settings.PluginsFolder).Resolve(settings.Modules);
        Directory.CreateDirectory(settings.DataFolder);

        var security = TransportSecurity.Load(settings.Tls); // certificate errors stop the node before Akka starts

        var system = ActorSystem.Create(NodeSettings.SystemName, TransportSecurity.SystemSetup(settings.AkkaConfig, security));
        Kernel.Client.Grid.Get(system); // the router starts here, before any module registers
        var cluster = Cluster.Get(system);
        var log = Logging.GetLogger(system, "promisegrid.node");
        log.Info("{0}", TransportSecurity.Describe(security));
        var capabilities = settings.Grid.Security;
        log.Info(capabilities.Enforced
            ? "capabilities on trusted_issuers={0} own_token={1}"
            : "capabilities off (PG_TRUST is empty: every request is served) trusted_issuers={0} own_token={1}",
            capabilities.Trust.Count, capabilities.OwnToken is null ? "none" : capabilities.OwnToken.Leaf.HashHex[..16]);
        log.Info("node starting address={0} seeds={1} modules={2} data={3}",
            cluster.SelfAddress, settings.Seeds.Count == 0 ? "self" : string.Join(",", settings.Seeds),
            string.Join(",", settings.Modules), settings.DataFolder);
        cluster.RegisterOnMemberUp(() => log.Info("node up address={0}", cluster.SelfAddress));
        if (settings.Seeds.Count == 0) cluster.Join(cluster.SelfAddress);
        else WarnWhileNotJoined(system, cluster, log, settings.Seeds);

        var modules = entries.Select(entry => (entry, system.ActorOf(entry.Props, entry.ActorName))).ToList();
        return new GridNode(system, settings, modules);
    }

    /// <summary>
    /// Akka keeps retrying the seeds on its own; this says plainly, every 10 s until the node
    /// is Up, that it has not joined and which seeds it is waiting for, so a wrong PG_SEEDS is
    /// visible in the log instead of a silent node whose /health stays 503.
    /// </summary>
    private static void WarnWhileNotJoined(ActorSystem system, Cluster cluster, ILoggingAdapter log, IReadOnlyList<string> seeds)
    {
        var interval = TimeSpan.FromSeconds(10);
        var started = DateTime.UtcNow;
        var timer = system.Scheduler.Advanced.ScheduleRepeatedlyCancelable(interval, interval, () =>
        {
            if (cluster.SelfMember.Status != MemberStatus.Up)
                log.Warning("node not joined after {0:0}s status={1} seeds={2} reason=no seed node accepted the join; check PG_SEEDS and that a seed is running and reachable",
                    (DateTime.UtcNow - started).TotalSeconds, cluster.SelfMember.Status, string.Join(",", seeds));
        });
        cluster.RegisterOnMemberUp(timer.Cancel);
        system.WhenTerminated.ContinueWith(_ => timer.Cancel(), TaskScheduler.Default);
    }

    /// <summary>Ready means Up in the cluster and every configured module's routes in the table.</summary>
    public HealthReport Health()
    {
        var member = Cluster.SelfMember;
        var snapshot = Grid.Routes.Snapshot;
        var registered = new HashSet<IActorRef>();
        foreach (var (_, routes) in snapshot.Entries)
            foreach (var route in routes)
                registered.Add(route.Provider);
        var waiting = _modules.Where(m => !registered.Contains(m.Actor)).Select(m => m.Entry.Name).ToList();
        var up = member.Status == MemberStatus.Up;
        var reason = !up ? $"node is {member.Status} in the cluster, not Up"
            : waiting.Count > 0 ? $"modules not registered yet: {string.Join(", ", waiting)}"
            : null;
        return new HealthReport(reason is null, member.Status.ToString(), Cluster.SelfAddress.ToString(),
            _modules.Select(m => m.Entry.Name).ToArray(), Cluster.State.Members.Count, reason);
    }

    /// <summary>Leaves the cluster and stops the actor system (CoordinatedShutdown, all phases).</summary>
    public Task StopAsync() => CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
}

/// <summary>What <c>GET /health</c> reports.</summary>
public sealed record HealthReport(bool Ready, string Status, string Node, string[] Modules, int Members, string? Reason);
