using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Hosting.Telemetry;
using PromiseGrid.Kernel.Client;

namespace PromiseGrid.Hosting.Node;

/// <summary>
/// One node as its host sees it: the <c>promisegrid</c> actor system, its grid (router and
/// client), the modules it started and its cluster membership. There is one per actor system
/// (<see cref="Get"/>); <see cref="GridNodeBuilder.WithPromiseGrid(Akka.Hosting.AkkaConfigurationBuilder, Action{PromiseGridOptions}?)"/>
/// sets it up and starts it with the system.
/// </summary>
public sealed class GridNode : IExtension
{
    private readonly List<(string Name, IActorRef Actor)> _modules = [];

    internal GridNode(ActorSystem system, NodeSettings settings)
    {
        System = system;
        Settings = settings;
        Grid = Kernel.Client.Grid.GetRuntime(system);
        Log = Logging.GetLogger(system, "promisegrid.node");
        var cluster = ClusterInstruments.Observe(this);
        system.WhenTerminated.ContinueWith(_ => cluster.Dispose(), TaskScheduler.Default);
        Telemetry = GridTelemetry.Start(system);
    }

    /// <summary>The node of <paramref name="system"/>, which must have been set up with WithPromiseGrid.</summary>
    public static GridNode Get(ActorSystem system) => system.WithExtension<GridNode, GridNodeExtension>();

    public ActorSystem System { get; }
    public NodeSettings Settings { get; }
    public IGridRuntime Grid { get; }
    public ILoggingAdapter Log { get; }
    public Cluster Cluster => Cluster.Get(System);

    /// <summary>This node's exported telemetry: its meter provider (Prometheus on <c>/metrics</c>, OTLP).</summary>
    internal GridTelemetry Telemetry { get; }

    /// <summary>The names of the modules this node started, in start order.</summary>
    public IReadOnlyList<string> Modules
    {
        get
        {
            lock (_modules) return _modules.Select(m => m.Name).ToArray();
        }
    }

    /// <summary>Starts a module on this node; <see cref="Health"/> waits for its routes.</summary>
    internal IActorRef StartModule(string name, string actorName, Props props)
    {
        var actor = System.ActorOf(props, actorName);
        lock (_modules) _modules.Add((name, actor));
        return actor;
    }

    /// <summary>
    /// Logs what the node is, starts the router and joins the cluster (itself when no seeds are
    /// set). Runs once, as the actor system starts.
    /// </summary>
    internal void Start(string transport)
    {
        var cluster = Cluster;
        Log.Info("{0}", transport);
        var capabilities = Settings.Grid.Security;
        Log.Info(capabilities.Enforced
            ? "capabilities on trusted_issuers={0} own_token={1}"
            : "capabilities off (PG_TRUST is empty: every request is served) trusted_issuers={0} own_token={1}",
            capabilities.Trust.Count, capabilities.OwnToken is null ? "none" : capabilities.OwnToken.Leaf.HashHex[..16]);
        Log.Info("node starting address={0} seeds={1} modules={2} data={3}",
            cluster.SelfAddress, Settings.Seeds.Count == 0 ? "self" : string.Join(",", Settings.Seeds),
            string.Join(",", Settings.Modules), Settings.DataFolder);
        cluster.RegisterOnMemberUp(() => Log.Info("node up address={0}", cluster.SelfAddress));
        if (Settings.Seeds.Count == 0) cluster.Join(cluster.SelfAddress);
        else WarnWhileNotJoined(cluster);
    }

    /// <summary>
    /// Akka keeps retrying the seeds on its own until PG_JOIN_TIMEOUT (then the node exits);
    /// this says plainly, every 10 s until the node is Up, that it has not joined and which seeds
    /// it is waiting for, so a wrong PG_SEEDS is visible in the log instead of a silent node
    /// whose /health stays 503.
    /// </summary>
    private void WarnWhileNotJoined(Cluster cluster)
    {
        var interval = TimeSpan.FromSeconds(10);
        var started = DateTime.UtcNow;
        var seeds = string.Join(",", Settings.Seeds);
        var timeout = cluster.Settings.ShutdownAfterUnsuccessfulJoinSeedNodes is { } bound ? $"{bound.TotalSeconds:0.#}s" : "off";
        var timer = System.Scheduler.Advanced.ScheduleRepeatedlyCancelable(interval, interval, () =>
        {
            if (cluster.SelfMember.Status != MemberStatus.Up)
                Log.Warning("node not joined after {0:0}s status={1} seeds={2} join_timeout={3} reason=no seed node accepted the join; check PG_SEEDS and that a seed is running and reachable",
                    (DateTime.UtcNow - started).TotalSeconds, cluster.SelfMember.Status, seeds, timeout);
        });
        cluster.RegisterOnMemberUp(timer.Cancel);
        System.WhenTerminated.ContinueWith(_ => timer.Cancel(), TaskScheduler.Default);
    }

    /// <summary>Ready means Up in the cluster and every started module's routes in the table.</summary>
    public HealthReport Health()
    {
        var member = Cluster.SelfMember;
        var snapshot = Grid.Routes.Snapshot;
        var registered = new HashSet<IActorRef>();
        foreach (var (_, routes) in snapshot.Entries)
            foreach (var route in routes)
                registered.Add(route.Provider);
        (string Name, IActorRef Actor)[] modules;
        lock (_modules) modules = [.. _modules];
        var waiting = modules.Where(m => !registered.Contains(m.Actor)).Select(m => m.Name).ToList();
        var up = member.Status == MemberStatus.Up;
        var reason = !up ? $"node is {member.Status} in the cluster, not Up"
            : waiting.Count > 0 ? $"modules not registered yet: {string.Join(", ", waiting)}"
            : null;
        return new HealthReport(reason is null, member.Status.ToString(), Cluster.SelfAddress.ToString(),
            modules.Select(m => m.Name).ToArray(), Cluster.State.Members.Count, reason);
    }
}

/// <summary>What <c>GET /health</c> reports.</summary>
public sealed record HealthReport(bool Ready, string Status, string Node, string[] Modules, int Members, string? Reason);

/// <summary>Makes the <see cref="GridNode"/> of a system from the settings WithPromiseGrid put in its setup.</summary>
internal sealed class GridNodeExtension : ExtensionIdProvider<GridNode>
{
    public override GridNode CreateExtension(ExtendedActorSystem system) =>
        system.Settings.Setup.Get<GridNodeSetup>().Value is { } setup
            ? new GridNode(system, setup.Settings)
            : throw new InvalidOperationException(
                "this actor system is not a PromiseGrid node: add it with services.AddAkka(\"promisegrid\", b => b.WithPromiseGrid(...))");
}

/// <summary>Carries a node's settings into its actor system (Akka's <see cref="Akka.Actor.Setup.Setup"/>).</summary>
internal sealed class GridNodeSetup(NodeSettings settings) : Akka.Actor.Setup.Setup
{
    public NodeSettings Settings { get; } = settings;
}
