using Akka.Cluster;
using Akka.TestKit.Xunit2;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel.Security;
using PromiseGrid.Kernel.Tests.Cluster;

namespace PromiseGrid.Kernel.Tests.Security;

/// <summary>
/// Revocations and holder-proof nonces survive a stop of every node: real cluster actor systems
/// with the security keys durable (LMDB, Akka.DistributedData.LightningDB) in folders of their
/// own, stopped and started again on the same folders.
/// </summary>
public sealed class DurableSecurityStateTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly GridKey Root = GridKey.Generate();
    private static readonly GridKey Alice = GridKey.Generate();
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow;

    private readonly string _folder = Directory.CreateTempSubdirectory("pg-durable-security-").FullName;
    private readonly List<ActorSystem> _systems = [];

    public DurableSecurityStateTests(ITestOutputHelper output) : base(KernelTestKit.LocalConfig, output: output)
    {
    }

    private static CapabilityToken Issue(TimeSpan expiresIn, byte[]? holder = null) =>
        CapabilityToken.Issue(Root, Sequence.FromText("w/").Span, T0.AddMinutes(-1), T0.Add(expiresIn), holder);

    /// <summary>A node with its own state folder, a <c>w/</c> module, and a cluster of its own or joined to <paramref name="join"/>.</summary>
    private async Task<ActorSystem> StartNodeAsync(string name, ActorSystem? join = null)
    {
        var config = ConfigurationFactory.ParseString(LoopbackCluster.Config + $"""
                promisegrid.security.trust = "{Root.PublicKeyText}"
                """)
            .WithFallback(DurableSecurityState.For(Path.Combine(_folder, name)))
            .WithFallback(GridSettings.DefaultConfig());
        var system = ActorSystem.Create("promisegrid", config);
        _systems.Add(system);
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(join is null ? cluster.SelfAddress : Akka.Cluster.Cluster.Get(join).SelfAddress);
        system.ActorOf(Props.Create(() => new NamedEchoModule("w/")));
        var grid = Grid.GetRuntime(system);
        await AwaitAssertAsync(() =>
        {
            Assert.Equal(MemberStatus.Up, cluster.SelfMember.Status);
            Assert.True(grid.Security.RevocationsAreLoaded);
            Assert.NotEmpty(grid.Routes.Snapshot.ValuesOf(Sequence.FromText("w/").Span));
            Assert.NotEmpty(grid.Routes.Snapshot.ValuesOf(Sequence.FromText(RevocationModule.Prefix).Span));
        }, Patience);
        return system;
    }

    private async Task StopAsync(params ActorSystem[] systems)
    {
        await Task.WhenAll(systems.Select(s => s.Terminate()));
        foreach (var system in systems) _systems.Remove(system);
    }

    private static Task<Completion> UseAsync(ActorSystem node, CapabilityToken token, string sequence = "w/x") =>
        Grid.Get(node).CompleteAsync(Sequence.FromText(sequence), new Capability(token.Encoded), TimeSpan.FromSeconds(10));

    private static Task<Completion> RevokeAsync(ActorSystem node, CapabilityToken token) =>
        Grid.Get(node).CompleteAsync(Sequence.FromText(RevocationModule.Prefix).Concat(new Sequence(RevocationStatement.Create(Root, token, 0))),
            capability: null, TimeSpan.FromSeconds(10));

    private static void AssertStatus(CompletionStatus expected, Completion completion) =>
        Assert.True(completion.Status == expected, $"expected {expected} but got {completion.Status}: {completion.Reason}");

    [Fact]
    public async Task A_revocation_is_still_in_force_on_every_node_after_all_of_them_stopped()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b", join: a);
        await AwaitAssertAsync(() => Assert.Equal(2, Akka.Cluster.Cluster.Get(a).State.Members.Count(m => m.Status == MemberStatus.Up)), Patience);
        var revoked = Issue(TimeSpan.FromHours(1));
        var kept = Issue(TimeSpan.FromHours(1));
        AssertStatus(CompletionStatus.Completed, await UseAsync(b, revoked));

        AssertStatus(CompletionStatus.Completed, await RevokeAsync(a, revoked));
        await AwaitAssertAsync(() => Assert.True(Grid.GetRuntime(b).Security.Revoked.Contains(revoked.Links[0].HashHex)), Patience);
        await StopAsync(a, b);

        // Each node alone, on its own folder: what it refuses, it read from its own disk.
        foreach (var name in new[] { "a", "b" })
        {
            var node = await StartNodeAsync(name);
            var refused = await UseAsync(node, revoked);
            AssertStatus(CompletionStatus.Denied, refused);
            Assert.Contains("revoked", refused.Reason);
            AssertStatus(CompletionStatus.Completed, await UseAsync(node, kept));
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task A_holder_proof_used_before_the_stop_is_refused_as_a_replay_after_it()
    {
        var token = Issue(TimeSpan.FromHours(1), holder: Alice.PublicKey);
        var sequence = Sequence.FromText("w/once");
        var proved = new Capability(token.Encoded, HolderProof.Create(Alice, sequence.Span, DateTimeOffset.UtcNow));
        var a = await StartNodeAsync("a");
        AssertStatus(CompletionStatus.Completed, await Grid.Get(a).CompleteAsync(sequence, proved, TimeSpan.FromSeconds(10)));
        await StopAsync(a);

        a = await StartNodeAsync("a");
        var replay = await Grid.Get(a).CompleteAsync(sequence, proved, TimeSpan.FromSeconds(10));

        AssertStatus(CompletionStatus.Denied, replay);
        Assert.Contains("replayed nonce", replay.Reason);
    }

    [Fact]
    public async Task A_revocation_whose_link_has_expired_is_pruned_from_the_stored_set_too()
    {
        var soon = Issue(TimeSpan.FromHours(1));
        var later = Issue(TimeSpan.FromHours(3));
        var a = await StartNodeAsync("a");
        AssertStatus(CompletionStatus.Completed, await RevokeAsync(a, soon));
        AssertStatus(CompletionStatus.Completed, await RevokeAsync(a, later));

        a.ActorSelection("/system/security").Tell(new SecurityReplicator.Prune(T0.AddHours(2).ToUnixTimeMilliseconds()));
        await AwaitAssertAsync(() => Assert.False(Grid.GetRuntime(a).Security.Revoked.Contains(soon.Links[0].HashHex)), Patience);
        // The prune's write to the replica (and so to disk) goes after the in-memory one: wait until the replica has it.
        var replicator = Akka.DistributedData.DistributedData.Get(a).Replicator;
        await AwaitAssertAsync(async () =>
        {
            var got = await replicator.Ask<Akka.DistributedData.GetSuccess>(
                Akka.DistributedData.Dsl.Get(SecurityReplicator.RevocationsKey, Akka.DistributedData.ReadLocal.Instance), Patience);
            Assert.Single(got.Get(SecurityReplicator.RevocationsKey).Elements);
        }, Patience);
        await StopAsync(a);

        a = await StartNodeAsync("a");
        Assert.False(Grid.GetRuntime(a).Security.Revoked.Contains(soon.Links[0].HashHex));
        Assert.True(Grid.GetRuntime(a).Security.Revoked.Contains(later.Links[0].HashHex));
    }

    public new void Dispose()
    {
        foreach (var system in _systems) system.Terminate().Wait(Patience);
        base.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
