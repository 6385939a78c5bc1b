using Akka.Actor;
using PromiseGrid.Core;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// Two actor systems joined into one cluster over loopback TCP (<see cref="TwoNodeCluster"/>),
/// closed-loop async requesters on node 1 (<see cref="ClosedLoop"/>). Grid: each calls node 1's
/// <c>IGrid.CompleteAsync</c>; the client hands the request to node 1's router, which forwards it
/// to the echo module on node 2, which answers node 1's client. Baseline: each Asks an echo actor
/// on node 2 with the payload itself (Akka's built-in byte[] serializer), which sends it back.
/// Same two systems, same deadline.
/// </summary>
public static class RemoteBench
{
    public static async Task<IReadOnlyList<LoadFigure>> RunAsync(LoadOptions options)
    {
        await using var nodes = TwoNodeCluster.Start();
        var payload = options.Payload();
        nodes.Node2.ActorOf(Props.Create<RawEcho>(), "raw-echo");
        var echo = await nodes.Node1.ActorSelection(new RootActorPath(nodes.Node2Address) / "user" / "raw-echo").ResolveOne(TimeSpan.FromSeconds(30));
        await nodes.StartEchoOnNode2Async();
        var sequence = Sequence.FromText("echo/").Concat(new Sequence(payload));
        return await BenchSetup.AlternateAsync("remote", options,
            "akka remote Ask request/reply", ClosedLoop.Round(options.Concurrency,
                () => echo.Ask<byte[]>(payload, BenchSetup.Deadline),
                reply => reply.Length == payload.Length),
            "grid via IGrid.CompleteAsync", ClosedLoop.Round(options.Concurrency,
                () => nodes.Grid1.CompleteAsync(sequence, BenchSetup.Deadline),
                completion => completion.IsCompleted && completion.Bytes.Length == payload.Length));
    }
}
