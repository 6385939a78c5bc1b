using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Modules;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// Two actor systems joined into one cluster over loopback TCP. Grid: requesters on node 1
/// send to node 1's router, which forwards to the echo module on node 2, which answers the
/// requester on node 1. Baseline: requesters on node 1 send the payload itself (Akka's built-in
/// byte[] serializer) to an echo actor on node 2, which sends it back. Same two systems.
/// </summary>
public static class RemoteBench
{
    private const string Config = """
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.distributed-data.gossip-interval = 200ms
        akka.cluster.distributed-data.notify-subscribers-interval = 50ms
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """;

    public static async Task<IReadOnlyList<LoadFigure>> RunAsync(LoadOptions options)
    {
        var config = GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(Config));
        var node1 = ActorSystem.Create("promisegrid", config);
        var node2 = ActorSystem.Create("promisegrid", config);
        try
        {
            var grid1 = Grid.GetRuntime(node1);
            Grid.GetRuntime(node2);
            var seed = Cluster.Get(node1).SelfAddress;
            Cluster.Get(node1).Join(seed);
            Cluster.Get(node2).Join(seed);
            var node2Address = Cluster.Get(node2).SelfAddress;

            var payload = options.Payload();
            node2.ActorOf(Props.Create<RawEcho>(), "raw-echo");
            var echo = await node1.ActorSelection(new RootActorPath(node2Address) / "user" / "raw-echo").ResolveOne(TimeSpan.FromSeconds(30));
            node2.ActorOf(EchoModule.Props(), "echo");
            await BenchSetup.AwaitRouteAsync(grid1, "echo/", route => route.Node == node2Address);
            var sequence = Sequence.FromText("echo/").Concat(new Sequence(payload));
            return await BenchSetup.AlternateAsync("remote", options,
                "akka remote request/reply", (warmup, window) => LocalBench.RoundAsync(options.Concurrency, warmup, window,
                    meter => node1.ActorOf(Props.Create(() => new RawRequester(echo, payload, true, meter)))),
                "grid completion", (warmup, window) => LocalBench.RoundAsync(options.Concurrency, warmup, window,
                    meter => node1.ActorOf(Props.Create(() => new GridRequester(grid1.Router, sequence, meter, null)))));
        }
        finally
        {
            await Task.WhenAll(node1.Terminate(), node2.Terminate());
        }
    }
}
