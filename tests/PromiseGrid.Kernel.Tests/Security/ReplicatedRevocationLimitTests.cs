using Akka.Cluster;
using Akka.TestKit.Xunit2;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Tests.Security;

/// <summary>
/// The per-signer limit holds across nodes: a node that has not yet been told of another node's
/// revocation (its subscription is notified only every 10 s here) still counts it, because the
/// limit is checked again inside its replicator, against the replica the other node wrote to.
/// </summary>
public sealed class ReplicatedRevocationLimitTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly GridKey Root = GridKey.Generate();
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<ActorSystem> _systems = [];

    public ReplicatedRevocationLimitTests(ITestOutputHelper output) : base(KernelTestKit.LocalConfig, output: output)
    {
    }

    private async Task<ActorSystem> StartNodeAsync(ActorSystem? join = null)
    {
        var config = ConfigurationFactory.ParseString(LoopbackCluster.Config + $"""
                akka.cluster.distributed-data.notify-subscribers-interval = 10s
                promisegrid.security.trust = "{Root.PublicKeyText}"
                promisegrid.security.max-revocations-per-signer = 1
                """).WithFallback(GridSettings.DefaultConfig());
        var system = ActorSystem.Create("promisegrid", config);
        _systems.Add(system);
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(join is null ? cluster.SelfAddress : Akka.Cluster.Cluster.Get(join).SelfAddress);
        await AwaitAssertAsync(() =>
        {
            Assert.Equal(MemberStatus.Up, cluster.SelfMember.Status);
            Assert.True(Grid.GetRuntime(system).Security.RevocationsAreLoaded);
        }, Patience);
        return system;
    }

    private static CapabilityToken Issue() =>
        CapabilityToken.Issue(Root, "w/"u8, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));

    [Fact]
    public async Task A_signer_at_its_limit_through_one_node_is_refused_by_another_that_was_not_yet_told()
    {
        var a = await StartNodeAsync();
        var b = await StartNodeAsync(join: a);
        await AwaitAssertAsync(() => Assert.Equal(2, Akka.Cluster.Cluster.Get(b).State.Members.Count(m => m.Status == MemberStatus.Up)), Patience);
        var first = Issue();

        await Grid.GetRuntime(a).Security.RevokeAsync(RevocationStatement.Create(Root, first, 0));
        var refused = await Assert.ThrowsAsync<CapabilityException>(() => Grid.GetRuntime(b).Security.RevokeAsync(RevocationStatement.Create(Root, Issue(), 0)));

        Assert.False(Grid.GetRuntime(b).Security.Revoked.Contains(first.Links[0].HashHex)); // b's list was not told: the replica refused it
        Assert.Contains("already has 1 revocations in force", refused.Reason);
        Assert.Contains("promisegrid.security.max-revocations-per-signer = 1", refused.Reason);
        Assert.Equal(0, Grid.GetRuntime(b).Security.Revoked.Count);
    }

    public new void Dispose()
    {
        foreach (var system in _systems) system.Terminate().Wait(Patience);
        base.Dispose();
    }
}
