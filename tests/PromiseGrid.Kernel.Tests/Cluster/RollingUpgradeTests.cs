using System.Collections.Concurrent;
using Akka.Cluster;
using System.Diagnostics;
using Akka.TestKit.Xunit2;
using PromiseGrid.Kernel.Tests.Serialization.FrozenV3;
using PromiseGrid.Kernel.Tracing;

namespace PromiseGrid.Kernel.Tests.Cluster;

/// <summary>
/// A rolling upgrade in one process (docs/wire.md#rolling-upgrades): one cluster over loopback of
/// two nodes of the current release (wire format 5, A and C) and one of an older one (B: the v3
/// serializer frozen as it shipped, registered as serializer 150, and no wire role, so its router
/// keeps to the replicated route map), with tracing on. Completions cross between every pair both
/// ways: B's routes reach A and C through the map, and theirs reach B because they write the map
/// too while B is a member; A and C send each other route sync. A traced request to B arrives
/// because A's router takes the trace context off (B's reader refuses version 4), while between A
/// and C the trace context travels and C's module span continues A's trace.
/// </summary>
public sealed class RollingUpgradeTests : Akka.TestKit.Xunit2.TestKit
{
    private const string ClusterConfig = LoopbackCluster.Config + """
        akka.cluster.failure-detector.heartbeat-interval = 250ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        """;

    /// <summary>The previous release: the frozen v3 serializer under the kernel serializer's name (so its bindings), and no wire role.</summary>
    private static readonly string PreviousRelease = $$"""
        akka.actor.serializers.promisegrid-kernel = "{{typeof(FrozenV3Serializer).FullName}}, {{typeof(FrozenV3Serializer).Assembly.GetName().Name}}"
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(10);
    private readonly List<ActorSystem> _others = [];
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _tracing;
    private const string TestSourceName = "PromiseGrid.Kernel.Tests.RollingUpgrade";
    private static readonly ActivitySource TestSource = new(TestSourceName);

    public RollingUpgradeTests(ITestOutputHelper output)
        : base(GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)), "promisegrid", output)
    {
        // Tracing on, every request sampled: what a node with promisegrid.tracing.sample = 1 does.
        _tracing = new ActivityListener
        {
            ShouldListenTo = source => GridActivitySources.All.Contains(source.Name) || source.Name == TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_tracing);
    }

    private ActorSystem A => Sys;

    [Fact]
    public async Task Nodes_of_an_older_release_and_the_current_one_complete_each_others_requests_with_tracing_on()
    {
        var previous = ActorSystem.Create("promisegrid",
            ConfigurationFactory.ParseString(PreviousRelease).WithFallback(ConfigurationFactory.ParseString(ClusterConfig)).WithFallback(GridSettings.DefaultConfig()));
        var current = ActorSystem.Create("promisegrid", GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)));
        _others.Add(previous);
        _others.Add(current);
        Assert.IsType<FrozenV3Serializer>(previous.Serialization.FindSerializerFor(new Complete(1, Sequence.Empty, 0)));
        await JoinAsync(A, previous, current);
        previous.ActorOf(Props.Create(() => new NamedEchoModule("old/")));
        previous.ActorOf(Props.Create<RelayModule>());
        current.ActorOf(Props.Create(() => new NamedEchoModule("new/")));
        foreach (var system in new[] { A, previous, current })
        {
            await AwaitRouteAsync(system, "old/", Node(previous));
            await AwaitRouteAsync(system, "relay/", Node(previous));
            await AwaitRouteAsync(system, "new/", Node(current));
        }

        // New to old (the trace context taken off), old to new (B writes v3, C reads it), and both in one request.
        var toOld = await Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("old/from-a"), RequestDeadline);
        var toNew = await Grid.GetRuntime(previous).CompleteAsync(Sequence.FromText("new/from-b"), RequestDeadline);
        var through = await Grid.GetRuntime(current).CompleteAsync(Sequence.FromText("relay/new/from-c"), RequestDeadline);

        Assert.True(toOld.IsCompleted, toOld.Reason);
        Assert.Equal("from-a", toOld.Bytes.ToString());
        Assert.Equal($"named-echo@{Node(previous)}", toOld.Provider);
        Assert.True(toNew.IsCompleted, toNew.Reason);
        Assert.Equal("from-b", toNew.Bytes.ToString());
        Assert.True(through.IsCompleted, through.Reason);
        Assert.Equal("Completed:from-c", through.Bytes.ToString());
    }

    [Fact]
    public async Task Between_two_current_nodes_the_trace_context_crosses_and_the_module_span_continues_the_trace()
    {
        var current = ActorSystem.Create("promisegrid", GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)));
        _others.Add(current);
        await JoinAsync(A, current);
        current.ActorOf(Props.Create(() => new NamedEchoModule("new/")));
        await AwaitRouteAsync(A, "new/", Node(current));

        using var root = TestSource.StartActivity("test");
        var completion = await Grid.GetRuntime(A).CompleteAsync(Sequence.FromText("new/traced"), RequestDeadline);

        Assert.True(completion.IsCompleted, completion.Reason);
        Activity client = null!, route = null!, serve = null!;
        await AwaitAssertAsync(() =>
        {
            var mine = _spans.Where(s => s.TraceId == Activity.Current!.TraceId).ToList();
            client = Assert.Single(mine, s => s.Source.Name == GridActivitySources.Client);
            route = Assert.Single(mine, s => s.Source.Name == GridActivitySources.Router);
            serve = Assert.Single(mine, s => s.Source.Name == GridActivitySources.Module);
        }, Patience);
        Assert.Equal(Activity.Current!.SpanId, client.ParentSpanId);
        Assert.Equal(client.SpanId, route.ParentSpanId);
        Assert.Equal(route.SpanId, serve.ParentSpanId); // parent carried in Complete over the wire
        Assert.Equal(ActivityKind.Server, serve.Kind);
        Assert.True(serve.HasRemoteParent);
        Assert.Equal("serve named-echo", serve.DisplayName);
    }

    private async Task JoinAsync(params ActorSystem[] systems)
    {
        var seed = Node(A);
        foreach (var system in systems)
        {
            Grid.GetRuntime(system);
            Akka.Cluster.Cluster.Get(system).Join(seed);
        }
        await AwaitAssertAsync(() =>
        {
            foreach (var system in systems)
                Assert.Equal(systems.Length, Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up));
        }, Patience);
    }

    private Task AwaitRouteAsync(ActorSystem on, string prefix, Address node) =>
        AwaitAssertAsync(() =>
            Assert.Contains(Grid.GetRuntime(on).Routes.Snapshot.ValuesOf(Sequence.FromText(prefix).Span), r => r.Node == node),
            Patience);

    private static Address Node(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress;

    protected override void AfterAll()
    {
        _tracing.Dispose();
        foreach (var system in _others)
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
