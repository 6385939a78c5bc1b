using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace PromiseGrid.Bench.Idle;

/// <summary>
/// The idle baseline: a bare Akka.Cluster node with Akka's defaults (only what a cluster
/// needs: the cluster provider, a loopback address, the seed) and nothing of the grid. Runs
/// until its standard input closes, which is how <see cref="IdleBench"/> stops it.
/// </summary>
internal static class BareClusterNode
{
    public const string Mode = "idle-bare";

    /// <param name="seed">The first bare node's address; null: this one forms the cluster.</param>
    public static async Task<int> RunAsync(string? seed)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
            akka.remote.dot-netty.tcp.port = 0
            akka.loglevel = WARNING
            """);
        using var system = ActorSystem.Create("bare", config);
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        Console.WriteLine($"bare starting address={cluster.SelfAddress}");
        cluster.Join(seed is null ? cluster.SelfAddress : Address.Parse(seed));
        await up.Task;
        Console.WriteLine($"bare up address={cluster.SelfAddress}");
        await Console.In.ReadToEndAsync();
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        return 0;
    }
}
