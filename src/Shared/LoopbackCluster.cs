namespace PromiseGrid.Shared;

/// <summary>
/// HOCON for a real Akka.Cluster of actor systems in one process: the in-process cluster tests
/// (Kernel.Tests, Modules.Tests) and the remote load benches (src/PromiseGrid.Bench/Load) start
/// their systems with it, over <c>GridSettings.WithGridDefaults</c>. One source file, linked
/// into each of those projects (see their .csproj), not a referenced assembly: the bench ships
/// inside pgrid, which must not carry PromiseGrid.TestKit's xunit. It lives under src/ because
/// pgrid is built from src/ alone (deploy/Dockerfile copies nothing else). A test adds its own keys
/// after these; in HOCON the later value of a key wins.
/// </summary>
internal static class LoopbackCluster
{
    /// <summary>Loopback remoting on a free port and fast replication; no failure detector or downing of its own.</summary>
    public const string Config = """
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.distributed-data.gossip-interval = 200ms
        akka.cluster.distributed-data.notify-subscribers-interval = 50ms
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off

        """;

    /// <summary>
    /// Added to <see cref="Config"/> where a node is killed: a fast failure detector and the
    /// split-brain resolver (keep-majority), so the survivors down and remove it within seconds.
    /// </summary>
    public const string KeepMajorityDowning = """
        akka.cluster.failure-detector.heartbeat-interval = 250ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        akka.cluster.downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
        akka.cluster.split-brain-resolver.active-strategy = keep-majority
        akka.cluster.split-brain-resolver.stable-after = 2s

        """;

    /// <summary>Over a node's config, makes it a crashed node when terminated: it stops without leaving the cluster or withdrawing its routes.</summary>
    public const string Crashing = """
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.cluster.run-coordinated-shutdown-when-down = off
        """;
}
