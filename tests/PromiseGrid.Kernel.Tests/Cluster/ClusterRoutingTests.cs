using Akka.Cluster;
using Akka.TestKit.Xunit2;

namespace PromiseGrid.Kernel.Tests.Cluster;

/// <summary>A module that answers with its name and the rest: shows which node served.</summary>
public sealed class NamedEchoModule(string prefix) : ModuleActor("named-echo", prefix)
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(request.Rest);
}

/// <summary>A module serving <paramref name="count"/> prefixes <c>bulk/0/</c> to <c>bulk/(count−1)/</c>.</summary>
public sealed class BulkModule(int count)
    : ModuleActor("bulk", Enumerable.Range(0, count).Select(i => Sequence.FromUtf8($"bulk/{i}/")))
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(request.Rest);
}

/// <summary>A module that never answers.</summary>
public sealed class BlackHoleModule(string prefix) : ModuleActor("black-hole", prefix)
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(new TaskCompletionSource<Sequence>().Task);
}

/// <summary>
/// Three real actor systems in one process, joined into one cluster over loopback TCP: the
/// replicated route table, remote completion, local preference, and what happens to routes
/// and in-flight requests when a node dies.
/// </summary>
public sealed class ClusterRoutingTests : Akka.TestKit.Xunit2.TestKit
{
    private const string ClusterConfig = LoopbackCluster.Config + LoopbackCluster.KeepMajorityDowning;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<ActorSystem> _others = [];

    public ClusterRoutingTests(ITestOutputHelper output)
        : base(GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)), "promisegrid", output)
    {
    }

    private ActorSystem A => Sys;

    [Fact]
    public async Task Routes_replicate_and_a_request_entering_one_node_completes_on_another()
    {
        var (b, c) = await StartThreeNodesAsync();
        c.ActorOf(Props.Create(() => new NamedEchoModule("only-c/")));
        await AwaitRouteAsync(A, "only-c/", Node(c));
        await AwaitRouteAsync(b, "only-c/", Node(c));

        var completion = await Grid.GetRuntime(A).CompleteAsync(Sequence.FromText(@"only-c/hello\x00\xff"), TimeSpan.FromSeconds(5));

        Assert.True(completion.IsCompleted, completion.Reason);
        Assert.Equal(Sequence.FromText(@"hello\x00\xff"), completion.Bytes);
        Assert.Equal($"named-echo@{Node(c)}", completion.Provider);
        var view = Assert.Single(Grid.GetRuntime(A).Routes.Views(), v => v.Prefix == "only-c/");
        Assert.Equal(Node(c).ToString(), view.Node);
        Assert.True(view.Reachable);
    }

    /// <summary>
    /// Ten thousand routes of one node reach the others as route sync changes of at most
    /// RoutePublisher.EntriesPerMessage entries each, and none is written to the replicated map of the
    /// release before (no member reads it); when the module stops they all go again.
    /// </summary>
    [Fact]
    public async Task Ten_thousand_routes_of_one_node_are_usable_from_the_others_and_go_when_their_module_stops()
    {
        const int count = 10_000;
        var (b, c) = await StartThreeNodesAsync();

        var bulk = b.ActorOf(Props.Create(() => new BulkModule(count)));

        foreach (var system in new[] { A, c })
            await AwaitAssertAsync(() =>
                Assert.Equal(count, Grid.GetRuntime(system).Routes.Snapshot.ValueCount), TimeSpan.FromSeconds(60));
        var completion = await Grid.GetRuntime(c).CompleteAsync(Sequence.FromText($"bulk/{count - 1}/x"), TimeSpan.FromSeconds(10));
        Assert.True(completion.IsCompleted, completion.Reason);
        Assert.Equal($"bulk@{Node(b)}", completion.Provider);
        var map = await Akka.DistributedData.DistributedData.Get(A).GetAsync(RouterActor.RoutesKey, Akka.DistributedData.ReadLocal.Instance);
        Assert.True(map is null || !map.ContainsKey(Node(b).ToString()), "routes written to the replicated map with no member reading it");

        b.Stop(bulk);
        foreach (var system in new[] { A, c })
            await AwaitAssertAsync(() => Assert.Equal(0, Grid.GetRuntime(system).Routes.Snapshot.ValueCount), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_sequence_at_the_size_limit_completes_across_nodes()
    {
        var (_, c) = await StartThreeNodesAsync();
        c.ActorOf(Props.Create(() => new NamedEchoModule("big/")));
        await AwaitRouteAsync(A, "big/", Node(c));
        var bytes = new byte[Grid.GetRuntime(A).Settings.MaxSequenceBytes];
        Random.Shared.NextBytes(bytes);
        "big/"u8.CopyTo(bytes);

        var completion = await Grid.GetRuntime(A).CompleteAsync(new Sequence(bytes), TimeSpan.FromSeconds(15));

        Assert.True(completion.IsCompleted, completion.Reason);
        Assert.True(completion.Bytes.Span.SequenceEqual(bytes.AsSpan(4)));
    }

    [Fact]
    public async Task Streamed_parts_and_hops_travel_between_nodes()
    {
        var (_, c) = await StartThreeNodesAsync();
        c.ActorOf(Props.Create<StreamingModule>());
        c.ActorOf(Props.Create<HopsReportModule>());
        A.ActorOf(Props.Create<RelayModule>());
        await AwaitRouteAsync(A, "parts/", Node(c));
        await AwaitRouteAsync(A, "hops/", Node(c));
        await AwaitRouteAsync(A, "relay/", Node(A));
        var parts = new System.Collections.Concurrent.ConcurrentQueue<string>();

        var streamed = await Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("parts/remote"), null, part => parts.Enqueue(part.ToString()),
            TimeSpan.FromSeconds(5));
        var relayed = await Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("relay/hops/"), TimeSpan.FromSeconds(5));

        Assert.Equal("remote|streamed", streamed.Bytes.ToString());
        Assert.Equal(["r", "e", "m", "o", "t", "e"], parts);
        Assert.Equal("Completed:1", relayed.Bytes.ToString()); // the hop counted on A arrived on c
    }

    [Fact]
    public async Task A_local_provider_is_preferred_over_remote_ones()
    {
        var (b, c) = await StartThreeNodesAsync();
        A.ActorOf(Props.Create(() => new NamedEchoModule("both/")));
        c.ActorOf(Props.Create(() => new NamedEchoModule("both/")));
        await AwaitRouteAsync(A, "both/", Node(c));
        await AwaitRouteAsync(c, "both/", Node(A));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"named-echo@{Node(A)}", (await Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("both/x"))).Provider);
            Assert.Equal($"named-echo@{Node(c)}", (await Grid.GetRuntime(c).CompleteAsync(Sequence.FromText("both/x"))).Provider);
        }
        // From b, where neither is local, one of the two answers.
        Assert.True((await Grid.GetRuntime(b).CompleteAsync(Sequence.FromText("both/x"))).IsCompleted);
    }

    [Fact]
    public async Task A_crashed_nodes_routes_are_excluded_and_its_in_flight_request_completes_elsewhere()
    {
        var (b, c) = await StartThreeNodesAsync(crashingC: true);
        c.ActorOf(Props.Create(() => new BlackHoleModule("retry/")));
        await AwaitRouteAsync(A, "retry/", Node(c));

        // The request goes to c, the only provider, which will never answer.
        var inFlight = Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("retry/payload"), TimeSpan.FromSeconds(30));

        b.ActorOf(Props.Create(() => new NamedEchoModule("retry/")));
        await AwaitRouteAsync(A, "retry/", Node(b));
        Assert.False(inFlight.IsCompleted);

        await c.Terminate();

        // Excluded as soon as c is unreachable; then the resent request completes on b.
        var completion = await inFlight.WaitAsync(Patience);
        Assert.True(completion.IsCompleted, completion.Reason);
        Assert.Equal($"named-echo@{Node(b)}", completion.Provider);
        Assert.Equal("payload", completion.Bytes.ToString());
        // Terminate in process stops c's modules before its remoting, so c's router may still tell
        // the others its routes are gone (a SIGKILLed node can't: ClusterFailureTests shows it
        // listed as unreachable); either way no route of c is in use or shown reachable.
        await AwaitAssertAsync(() =>
        {
            Assert.DoesNotContain(Grid.GetRuntime(A).Routes.Snapshot.ValuesOf(Sequence.FromText("retry/").Span), r => r.Node == Node(c));
            Assert.DoesNotContain(Grid.GetRuntime(A).Routes.Views(), v => v.Node == Node(c).ToString() && v.Reachable);
        }, Patience);

        // Once the survivors down c, its routes leave the table altogether.
        await AwaitAssertAsync(() =>
            Assert.DoesNotContain(Grid.GetRuntime(A).Routes.Views(), v => v.Node == Node(c).ToString()), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_prefix_served_only_by_a_crashed_node_answers_no_route_at_once()
    {
        var (_, c) = await StartThreeNodesAsync(crashingC: true);
        c.ActorOf(Props.Create(() => new BlackHoleModule("gone/")));
        await AwaitRouteAsync(A, "gone/", Node(c));
        var inFlight = Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("gone/x"), TimeSpan.FromSeconds(30));

        await c.Terminate();

        var completion = await inFlight.WaitAsync(Patience);
        Assert.Equal(CompletionStatus.NoRoute, completion.Status);
    }

    [Fact]
    public async Task A_node_leaving_gracefully_withdraws_its_routes_first()
    {
        var (b, _) = await StartThreeNodesAsync();
        b.ActorOf(Props.Create(() => new NamedEchoModule("leaving/")));
        await AwaitRouteAsync(A, "leaving/", Node(b));

        await CoordinatedShutdown.Get(b).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);

        await AwaitAssertAsync(() =>
            Assert.DoesNotContain(Grid.GetRuntime(A).Routes.Views(), v => v.Prefix == "leaving/"), Patience);
        Assert.Equal(CompletionStatus.NoRoute, (await Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("leaving/x"))).Status);
    }

    private async Task<(ActorSystem B, ActorSystem C)> StartThreeNodesAsync(bool crashingC = false)
    {
        var config = GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig));
        var b = ActorSystem.Create("promisegrid", config);
        var c = ActorSystem.Create("promisegrid", crashingC ? ConfigurationFactory.ParseString(LoopbackCluster.Crashing).WithFallback(config) : config);
        _others.Add(b);
        _others.Add(c);
        var seed = Akka.Cluster.Cluster.Get(A).SelfAddress;
        foreach (var system in new[] { A, b, c })
        {
            Grid.GetRuntime(system); // every node runs a router
            Akka.Cluster.Cluster.Get(system).Join(seed);
        }
        await AwaitAssertAsync(() =>
        {
            foreach (var system in new[] { A, b, c })
                Assert.Equal(3, Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up));
        }, Patience);
        return (b, c);
    }

    private Task AwaitRouteAsync(ActorSystem on, string prefix, Address node) =>
        AwaitAssertAsync(() =>
            Assert.Contains(Grid.GetRuntime(on).Routes.Snapshot.ValuesOf(Sequence.FromText(prefix).Span), r => r.Node == node),
            Patience);

    private static Address Node(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress;

    protected override void AfterAll()
    {
        foreach (var system in _others)
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
