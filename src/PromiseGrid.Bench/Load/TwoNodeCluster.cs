using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Modules;
using PromiseGrid.Shared;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// The remote benches' set-up (<see cref="RemoteBench"/>, <see cref="TracingBench"/>): two grid
/// actor systems in this process joined into one cluster over loopback TCP
/// (src/Shared/LoopbackCluster.cs), node 1 the seed. Requests enter node 1; what they reach
/// runs on node 2. Disposing terminates both.
/// </summary>
internal sealed class TwoNodeCluster : IAsyncDisposable
{
    private TwoNodeCluster(ActorSystem node1, ActorSystem node2)
    {
        Node1 = node1;
        Node2 = node2;
        Grid1 = Grid.GetRuntime(node1);
        Grid.GetRuntime(node2);
        var seed = Cluster.Get(node1).SelfAddress;
        Cluster.Get(node1).Join(seed);
        Cluster.Get(node2).Join(seed);
        Node2Address = Cluster.Get(node2).SelfAddress;
    }

    public ActorSystem Node1 { get; }
    public ActorSystem Node2 { get; }

    /// <summary>Node 1's grid, where the benches' requests enter.</summary>
    public IGridRuntime Grid1 { get; }

    public Address Node2Address { get; }

    /// <summary>Creates both systems and has them join; does not wait for the cluster to be up.</summary>
    public static TwoNodeCluster Start()
    {
        var config = GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(LoopbackCluster.Config));
        return new TwoNodeCluster(ActorSystem.Create("promisegrid", config), ActorSystem.Create("promisegrid", config));
    }

    /// <summary>Starts the echo module on node 2 and waits until node 1 routes <c>echo/</c> to it.</summary>
    public async Task StartEchoOnNode2Async()
    {
        Node2.ActorOf(EchoModule.Props(), "echo");
        await BenchSetup.AwaitRouteAsync(Grid1, "echo/", route => route.Node == Node2Address);
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(Node1.Terminate(), Node2.Terminate());
}
