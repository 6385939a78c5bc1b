using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// docker-compose.yml's topology, run by deploy/compose-netns as three real node processes,
/// each in its own network namespace, forms one cluster (needs root, as in CI).
/// </summary>
public sealed class ComposeClusterSmokeTests
{
    private static readonly string[] Nodes = ["node1", "node2", "node3"];

    [Fact]
    public async Task The_compose_services_come_up_healthy_as_one_cluster_of_three()
    {
        await using var cluster = await ComposeCluster.UpAsync(Nodes);

        foreach (var service in Nodes)
        {
            using var health = await cluster.Http.GetAsync(new Uri(cluster.GatewayOf(service), "/health"));
            Assert.True(health.StatusCode == HttpStatusCode.OK,
                $"{service} /health answered {(int)health.StatusCode}. Log:\n{await cluster.LogOf(service)}");
        }

        // Every node is Up in its own view once healthy; node1's view may take a gossip round.
        string[] upMembers = [];
        var converged = Poll.UntilAsync(async () =>
        {
            using var response = await cluster.CompleteAsync("node1", Encoding.UTF8.GetBytes("sys/members"));
            if (response.StatusCode != HttpStatusCode.OK) return false;
            using var members = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            upMembers =
            [
                .. members.RootElement.EnumerateArray()
                    .Where(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean())
                    .Select(m => m.GetProperty("address").GetString()!)
                    .Order(StringComparer.Ordinal),
            ];
            return upMembers.Length == 3;
        }, TimeSpan.FromSeconds(30), () => $"node1 sees Up: [{string.Join(", ", upMembers)}]");
        try
        {
            await converged;
        }
        catch (TimeoutException timeout)
        {
            Assert.Fail($"{timeout.Message}. node1 log:\n{await cluster.LogOf("node1")}");
        }

        Assert.Equal(Nodes.Select(n => $"akka.ssl.tcp://promisegrid@{n}:4053"), upMembers);
        // The compose topology runs remoting over mutual TLS, each node with its own certificate.
        Assert.Contains("remoting tls on certificate=CN=node1, O=PromiseGrid ca=CN=PromiseGrid grid CA", await cluster.LogOf("node1"));

        using var echo = await cluster.CompleteAsync("node1", Encoding.UTF8.GetBytes("echo/hi"));
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Equal("hi", await echo.Content.ReadAsStringAsync());
    }
}
