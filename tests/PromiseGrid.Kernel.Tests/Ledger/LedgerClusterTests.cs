using Akka.Cluster;
using Akka.TestKit.Xunit2;
using PromiseGrid.Kernel.Ledger;

namespace PromiseGrid.Kernel.Tests.Ledger;

/// <summary>Whether <see cref="SwitchableModule"/> answers; flipped by the test, read by the module.</summary>
public sealed class AnswerSwitch
{
    public volatile bool Silent;
}

/// <summary><c>slow/</c>: answers <c>ok</c>, except while its switch is silent, when it never answers.</summary>
public sealed class SwitchableModule(AnswerSwitch answers) : ModuleActor("slow", "slow/")
{
    private static readonly TaskCompletionSource<Sequence> Never = new();

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
        answers.Silent ? new(Never.Task) : new(Sequence.FromText("ok"));
}

/// <summary>
/// Two actor systems in one cluster, both serving <c>slow/</c>. The requester's own node's
/// provider stops answering: the ledger counts exactly what the requester saw, the choice
/// moves to the other node, and once the local provider answers again it earns its way back.
/// </summary>
public sealed class LedgerClusterTests : Akka.TestKit.Xunit2.TestKit
{
    private const string ClusterConfig = LoopbackCluster.Config + """
        akka.cluster.failure-detector.heartbeat-interval = 250ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 5s
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(300);
    private readonly ITestOutputHelper _output;
    private ActorSystem? _b;

    public LedgerClusterTests(ITestOutputHelper output)
        : base(GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)), "promisegrid", output)
    {
        _output = output;
    }

    private ActorSystem A => Sys;

    [Fact]
    public async Task A_silent_local_provider_is_counted_broken_traffic_moves_to_the_other_node_and_comes_back_when_it_recovers()
    {
        var b = await StartTwoNodesAsync();
        var localAnswers = new AnswerSwitch { Silent = true };
        A.ActorOf(Props.Create(() => new SwitchableModule(localAnswers)));
        b.ActorOf(Props.Create(() => new SwitchableModule(new AnswerSwitch())));
        await AwaitAssertAsync(() => Assert.Equal(2, Grid.GetRuntime(A).Routes.Snapshot.ValuesOf(Sequence.FromText("slow/").Span).Length), Patience);
        var grid = Grid.GetRuntime(A);
        var onA = $"slow@{Node(A)}";
        var onB = $"slow@{Node(b)}";

        // Phase 1: the local provider is silent.
        var completions = new List<Completion>();
        for (var i = 0; i < 40; i++)
            completions.Add(await grid.CompleteAsync(Sequence.FromText($"slow/{i}"), Deadline));

        var pattern = string.Concat(completions.Select(c => c.Provider == onA ? 'A' : 'B'));
        _output.WriteLine($"phase 1, who answered or broke each request: {pattern}");
        var broken = completions.Where(c => c.Status == CompletionStatus.BrokenPromise).ToList();
        var kept = completions.Where(c => c.IsCompleted).ToList();
        Assert.Equal(completions.Count, broken.Count + kept.Count);
        Assert.All(broken, c => Assert.Equal(onA, c.Provider));
        Assert.All(kept, c => Assert.Equal(onB, c.Provider));
        var recordA = grid.Ledger.For(onA, Sequence.FromText("slow/"));
        var recordB = grid.Ledger.For(onB, Sequence.FromText("slow/"));
        Assert.Equal((0L, (long)broken.Count), (recordA.Kept, recordA.Broken));
        Assert.Equal(((long)kept.Count, 0L), (recordB.Kept, recordB.Broken));
        // The local provider was tried first; after that only exploration goes there.
        Assert.Equal(onA, completions[0].Provider);
        Assert.True(completions.Skip(10).Count(c => c.Provider == onB) >= 25, pattern);

        // Phase 2: the local provider answers again and wins back its traffic through exploration.
        localAnswers.Silent = false;
        var recent = new Queue<string>();
        var sent = 0;
        for (; sent < 2000 && !(recent.Count == 20 && recent.All(p => p == onA)); sent++)
        {
            var completion = await grid.CompleteAsync(Sequence.FromText($"slow/again{sent}"), TimeSpan.FromSeconds(5));
            Assert.True(completion.IsCompleted, completion.Reason);
            recent.Enqueue(completion.Provider);
            if (recent.Count > 20) recent.Dequeue();
        }
        _output.WriteLine($"phase 2: {sent} requests until the last 20 all went to A; A's score {recordA.Score:F3}");
        Assert.All(recent, p => Assert.Equal(onA, p));
        Assert.Equal(broken.Count, recordA.Broken);
        Assert.True(recordA.Kept > 0);
    }

    private async Task<ActorSystem> StartTwoNodesAsync()
    {
        _b = ActorSystem.Create("promisegrid", GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)));
        var seed = Akka.Cluster.Cluster.Get(A).SelfAddress;
        foreach (var system in new[] { A, _b })
        {
            Grid.GetRuntime(system);
            Akka.Cluster.Cluster.Get(system).Join(seed);
        }
        await AwaitAssertAsync(() =>
        {
            foreach (var system in new[] { A, _b })
                Assert.Equal(2, Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up));
        }, Patience);
        return _b;
    }

    private static Address Node(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress;

    protected override void AfterAll()
    {
        _b?.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
