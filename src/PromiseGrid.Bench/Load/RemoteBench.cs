using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Modules;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// Two actor systems joined into one cluster over loopback TCP, closed-loop async requesters on
/// node 1 (<see cref="ClosedLoop"/>). Grid: each calls node 1's <c>IGrid.CompleteAsync</c>; the
/// client hands the request to node 1's router, which forwards it to the echo module on node 2,
/// which answers node 1's client. Baseline: each Asks an echo actor on node 2 with the payload
/// itself (Akka's built-in byte[] serializer), which sends it back. Same two systems, same deadline.
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
                "akka remote Ask request/reply", ClosedLoop.Round(options.Concurrency,
                    () => echo.Ask<byte[]>(payload, BenchSetup.Deadline),
                    reply => reply.Length == payload.Length),
                "grid via IGrid.CompleteAsync", ClosedLoop.Round(options.Concurrency,
                    () => grid1.CompleteAsync(sequence, BenchSetup.Deadline),
                    completion => completion.IsCompleted && completion.Bytes.Length == payload.Length));
        }
        finally
        {
            await Task.WhenAll(node1.Terminate(), node2.Terminate());
        }
    }
}
