using Akka.Cluster;

namespace PromiseGrid.Modules.Tests;

/// <summary><c>sys/members</c> on a one-node cluster that joined itself.</summary>
public sealed class SysMembersClusterTests(ITestOutputHelper output) : ModuleTestKit(Config, output)
{
    private const string Config = LoopbackCluster.Config + """
        akka.cluster.roles = [grid, edge]
        akka.coordinated-shutdown.terminate-actor-system = on
        akka.cluster.run-coordinated-shutdown-when-down = off
        """;

    [Fact]
    public async Task Sys_members_lists_this_node_as_up()
    {
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        await AwaitAssertAsync(() =>
            Assert.Contains(cluster.State.Members, m => m.Address.Equals(cluster.SelfAddress) && m.Status == MemberStatus.Up),
            TimeSpan.FromSeconds(15));
        await StartModuleAsync(SysModule.Props(), "sys/routes", "sys/members");

        var completion = await CompleteAsync("sys/members");

        AssertStatus(CompletionStatus.Completed, completion);
        var member = Assert.Single(JsonArray(completion));
        Assert.Equal(cluster.SelfAddress.ToString(), member.GetProperty("address").GetString());
        Assert.StartsWith("akka.tcp://", member.GetProperty("address").GetString());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(["edge", "grid"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(member.TryGetProperty("self", out _), "self is the dashboard's field, not sys/members'");
        Assert.Equal($"sys@{cluster.SelfAddress}", completion.Provider);
    }
}
