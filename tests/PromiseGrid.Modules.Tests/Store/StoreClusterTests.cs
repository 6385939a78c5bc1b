using System.Text;
using Akka.Cluster;
using Akka.TestKit.Xunit2;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Modules.Tests.Store;

/// <summary>
/// Three actor systems in one process, joined over loopback TCP, each with its own store folder:
/// placement on the top-ranked nodes, gets from any node, replicas that lie, repair, and a
/// holder that dies or cannot write.
/// </summary>
public sealed class StoreClusterTests : Akka.TestKit.Xunit2.TestKit
{
    private const string ClusterConfig = LoopbackCluster.Config + LoopbackCluster.KeepMajorityDowning;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly Sequence GetPrefix = Sequence.FromText("store/get/");

    private readonly TempFolder _root = new("pg-store-cluster-");
    private readonly List<ActorSystem> _others = [];
    private readonly Dictionary<ActorSystem, string> _folders = [];

    public StoreClusterTests(ITestOutputHelper output)
        : base(GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)), "promisegrid", output)
    {
    }

    private ActorSystem A => Sys;

    [Fact]
    public async Task A_put_lands_on_exactly_the_two_top_ranked_nodes_and_the_third_node_reads_it()
    {
        var (b, c) = await StartThreeNodesAsync();
        await StartStoresAsync(A, b, c);
        // A, where the put and the get enter, ranks last: both copies are elsewhere.
        var blob = BlobWhere(ranking => ranking[2] == Node(A));
        var cid = Cid.Of(blob);
        var holders = StorePlacement.Rank(cid, [Node(A), Node(b), Node(c)]).Take(2).ToArray();

        var put = await CompleteAsync(A, "store/put/", blob);

        AssertStatus(CompletionStatus.Completed, put);
        Assert.Equal(cid.ToString(), Encoding.ASCII.GetString(put.Bytes.Span));
        foreach (var system in new[] { A, b, c })
            Assert.Equal(holders.Contains(Node(system)), File.Exists(DiskOf(system).PathOf(cid)));
        var get = await CompleteAsync(A, "store/get/", cid.ToAscii());
        AssertStatus(CompletionStatus.Completed, get);
        Assert.Equal(blob, get.Bytes.Span.ToArray());
        Assert.Equal("true", (await CompleteAsync(A, "store/has/", cid.ToAscii())).Bytes.ToString());
        // A is no holder, so reading through it made no third copy.
        Assert.False(File.Exists(DiskOf(A).PathOf(cid)));
    }

    [Fact]
    public async Task A_replica_returning_wrong_bytes_is_refused_and_the_next_one_is_asked()
    {
        var (b, c) = await StartThreeNodesAsync();
        await StartStoresAsync(A, b);
        c.ActorOf(Props.Create<LyingStoreModule>());
        await AwaitStoreNodesAsync(3);
        // From A the liar c is asked first, then b, which holds the blob.
        var blob = BlobWhere(ranking => ranking[0] == Node(c) && ranking[1] == Node(b));
        var cid = Cid.Of(blob);
        DiskOf(b).Write(cid, blob);

        Completion get = null!;
        await EventFilter.Warning(start: $"store replica refused cid={cid} from={Node(c)}").ExpectOneAsync(async () =>
            get = await CompleteAsync(A, "store/get/", cid.ToAscii()));

        AssertStatus(CompletionStatus.Completed, get);
        Assert.Equal(blob, get.Bytes.Span.ToArray());

        // When the liar is the only one to answer, its bytes are still refused.
        var nowhere = Cid.Of("held by nobody"u8);
        Completion missing = null!;
        await EventFilter.Warning(start: $"store replica refused cid={nowhere} from={Node(c)}").ExpectOneAsync(async () =>
            missing = await CompleteAsync(A, "store/get/", nowhere.ToAscii()));
        AssertStatus(CompletionStatus.NoRoute, missing);
        Assert.Equal($"no blob with CID {nowhere} on any holder", missing.Reason);
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("missing")]
    public async Task A_holders_corrupt_or_missing_copy_is_repaired_from_a_replica(string damage)
    {
        var (b, c) = await StartThreeNodesAsync();
        await StartStoresAsync(A, b, c);
        var blob = BlobWhere(ranking => ranking[0] == Node(A));
        var cid = Cid.Of(blob);
        AssertStatus(CompletionStatus.Completed, await CompleteAsync(A, "store/put/", blob));
        var other = StorePlacement.Rank(cid, [Node(A), Node(b), Node(c)])[1];
        var file = DiskOf(A).PathOf(cid);
        // (Before the first get: after it, the node's completion cache would answer instead.)
        if (damage == "corrupt") File.WriteAllBytes(file, [.. blob[..^1], (byte)(blob[^1] ^ 1)]);
        else File.Delete(file);

        Completion get = null!;
        await EventFilter.Warning(start: $"store repaired cid={cid} reason={damage} from={other}").ExpectOneAsync(async () =>
            get = await CompleteAsync(A, "store/get/", cid.ToAscii()));

        AssertStatus(CompletionStatus.Completed, get);
        Assert.Equal(blob, get.Bytes.Span.ToArray());
        Assert.Equal(blob, File.ReadAllBytes(file));
    }

    [Fact]
    public async Task With_a_holder_stopped_the_blob_stays_readable_and_new_puts_go_to_the_next_ranked_node()
    {
        var (b, c) = await StartThreeNodesAsync(crashingC: true);
        await StartStoresAsync(A, b, c);
        // c holds the first copy, b the second; A, where the get enters, holds none.
        var blob = BlobWhere(ranking => ranking[0] == Node(c) && ranking[1] == Node(b));
        var cid = Cid.Of(blob);
        AssertStatus(CompletionStatus.Completed, await CompleteAsync(A, "store/put/", blob));
        Assert.True(File.Exists(DiskOf(c).PathOf(cid)));

        await c.Terminate();

        var get = await CompleteAsync(A, "store/get/", cid.ToAscii());
        AssertStatus(CompletionStatus.Completed, get);
        Assert.Equal(blob, get.Bytes.Span.ToArray());

        // A blob ranked to c first: the two surviving nodes take the copies.
        var next = BlobWhere(ranking => ranking[0] == Node(c), skip: 1);
        var nextCid = Cid.Of(next);
        var put = await CompleteAsync(A, "store/put/", next);
        AssertStatus(CompletionStatus.Completed, put);
        Assert.True(File.Exists(DiskOf(A).PathOf(nextCid)));
        Assert.True(File.Exists(DiskOf(b).PathOf(nextCid)));
    }

    [Fact]
    public async Task A_holder_that_cannot_write_is_replaced_by_the_next_ranked_node_and_too_few_copies_fail_the_put()
    {
        var (b, c) = await StartThreeNodesAsync();
        File.WriteAllText(_root.Combine("b-is-a-file"), "not a folder");
        await StartStoreAsync(A, replicationFactor: 3);
        await StartStoreAsync(b, folder: _root.Combine("b-is-a-file", "store"));
        await StartStoreAsync(c);
        await AwaitStoreNodesAsync(3);
        var blob = BlobWhere(ranking => ranking[0] == Node(b));
        var cid = Cid.Of(blob);

        // Through c (replication factor 2): b, ranked first, fails; the next-ranked node stands in.
        var put = await CompleteAsync(c, "store/put/", blob);
        AssertStatus(CompletionStatus.Completed, put);
        Assert.True(File.Exists(DiskOf(A).PathOf(cid)));
        Assert.True(File.Exists(DiskOf(c).PathOf(cid)));

        // Through A (replication factor 3): only two nodes can store it.
        var other = Cid.Of("three copies wanted"u8);
        var refused = await CompleteAsync(A, "store/put/", "three copies wanted"u8.ToArray());
        AssertStatus(CompletionStatus.ModuleFailed, refused);
        Assert.StartsWith($"stored 2 of 3 copies of {other} (replication-factor 3, 3 store nodes): {Node(b)}: ModuleFailed: " +
                          $"store folder '{_root.Combine("b-is-a-file", "store")}' is not usable", refused.Reason);
    }

    [Fact]
    public async Task Copies_between_nodes_carry_the_nodes_own_capability_where_nodes_enforce_them()
    {
        // b and c check capabilities and hold a token for store/; A checks none and holds none.
        var root = GridKey.Generate();
        var token = CapabilityToken.Issue(root, "store/"u8, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        var (b, c) = await StartThreeNodesAsync(otherConfig: $"""
            promisegrid.security.trust = "{root.PublicKeyText}"
            promisegrid.security.token = "{token.ToText()}"
            """);
        await StartStoresAsync(A, b, c);

        // From b: its copy to c passes c's check, the one to A needs none.
        var blob = BlobWhere(ranking => ranking[0] == Node(c) && ranking[1] == Node(A));
        var put = await CompleteAsync(b, "store/put/", blob);
        AssertStatus(CompletionStatus.Completed, put);
        Assert.True(File.Exists(DiskOf(c).PathOf(Cid.Of(blob))));
        Assert.True(File.Exists(DiskOf(A).PathOf(Cid.Of(blob))));

        // From A, which has no token, b and c refuse their copies; A, next in rank, keeps one.
        var refusedBlob = BlobWhere(ranking => ranking[2] == Node(A));
        var refused = await CompleteAsync(A, "store/put/", refusedBlob);
        AssertStatus(CompletionStatus.ModuleFailed, refused);
        Assert.StartsWith($"stored 1 of 2 copies of {Cid.Of(refusedBlob)}", refused.Reason);
        Assert.Contains($"{Node(b)}: Denied: no capability token", refused.Reason);
        Assert.Contains($"{Node(c)}: Denied: no capability token", refused.Reason);
    }

    // ---- the cluster ----

    /// <param name="otherConfig">HOCON for b and c on top of the cluster config.</param>
    private async Task<(ActorSystem B, ActorSystem C)> StartThreeNodesAsync(bool crashingC = false, string otherConfig = "")
    {
        var config = ConfigurationFactory.ParseString(otherConfig)
            .WithFallback(GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(ClusterConfig)));
        var b = ActorSystem.Create("promisegrid", config);
        var c = ActorSystem.Create("promisegrid", crashingC ? ConfigurationFactory.ParseString(LoopbackCluster.Crashing).WithFallback(config) : config);
        _others.Add(b);
        _others.Add(c);
        _folders[A] = _root.Combine("a");
        _folders[b] = _root.Combine("b");
        _folders[c] = _root.Combine("c");
        var seed = Cluster.Get(A).SelfAddress;
        foreach (var system in new[] { A, b, c })
        {
            Grid.GetRuntime(system);
            Cluster.Get(system).Join(seed);
        }
        await AwaitAssertAsync(() =>
        {
            foreach (var system in new[] { A, b, c })
                Assert.Equal(3, Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up));
        }, Patience);
        return (b, c);
    }

    private async Task StartStoresAsync(params ActorSystem[] systems)
    {
        foreach (var system in systems) await StartStoreAsync(system);
        await AwaitStoreNodesAsync(systems.Length);
    }

    private Task StartStoreAsync(ActorSystem system, int replicationFactor = 2, string? folder = null)
    {
        if (folder is not null) _folders[system] = folder;
        var settings = new StoreSettings(folder ?? _folders[system], replicationFactor, 1047552,
            WriteTimeout: TimeSpan.FromSeconds(1), ReadTimeout: TimeSpan.FromSeconds(1));
        system.ActorOf(StoreModule.Props(settings));
        return Task.CompletedTask;
    }

    /// <summary>Waits until every node routes to <paramref name="count"/> store nodes.</summary>
    private Task AwaitStoreNodesAsync(int count) =>
        AwaitAssertAsync(() =>
        {
            foreach (var system in new[] { A }.Concat(_others))
            foreach (var prefix in new[] { StoreModule.ReplicaPutPrefix, StoreModule.ReplicaGetPrefix, StoreModule.ReplicaHasPrefix })
                Assert.Equal(count, Grid.GetRuntime(system).Routes.Snapshot.ValuesOf(Sequence.FromText(prefix).Span).Select(r => r.Node).Distinct().Count());
        }, Patience);

    private BlobStore DiskOf(ActorSystem system) => new(_folders[system]);

    private static Address Node(ActorSystem system) => Cluster.Get(system).SelfAddress;

    /// <summary>The first of "blob 0", "blob 1", ... (after <paramref name="skip"/> matches) whose ranking over the three nodes satisfies <paramref name="wanted"/>.</summary>
    private byte[] BlobWhere(Func<IReadOnlyList<Address>, bool> wanted, int skip = 0)
    {
        var nodes = new[] { A }.Concat(_others).Select(Node).ToArray();
        for (var i = 0; ; i++)
        {
            var blob = Encoding.ASCII.GetBytes($"blob {i}");
            if (wanted(StorePlacement.Rank(Cid.Of(blob), nodes)) && skip-- == 0) return blob;
        }
    }

    private static Task<Completion> CompleteAsync(ActorSystem on, string prefix, byte[] rest) =>
        Grid.GetRuntime(on).CompleteAsync(Sequence.FromText(prefix).Concat(new Sequence(rest)), Deadline).WaitAsync(Patience);

    private static void AssertStatus(CompletionStatus expected, Completion completion) =>
        Assert.True(completion.Status == expected,
            $"expected {expected} but got {completion.Status} from {completion.Provider}: {completion.Reason}");

    protected override void AfterAll()
    {
        foreach (var system in _others)
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
        _root.Dispose();
    }

    /// <summary>A store node that answers every replica get with the wrong bytes, and every put with them too.</summary>
    private sealed class LyingStoreModule() : ModuleActor("store",
        StoreModule.ReplicaPutPrefix, StoreModule.ReplicaGetPrefix, StoreModule.ReplicaHasPrefix)
    {
        protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
            new(Sequence.FromText("not the blob you are looking for"));
    }
}
