using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// docker-compose.yml's scalable `worker` service under deploy/compose-netns: `--scale worker=2`
/// runs two replicas, each in its own namespace, advertising its own address and presenting the
/// shared worker certificate; both join through the seeds and serve; scaling to 1 stops the
/// second, which leaves the cluster (needs root, as in CI).
/// </summary>
public sealed class ComposeScaleTests
{
    [Fact]
    public async Task Workers_scale_up_join_with_their_own_addresses_and_scale_down()
    {
        await using var cluster = await ComposeCluster.UpScaledAsync(new Dictionary<string, int> { ["worker"] = 2 });

        Assert.Equal(new[] { "node1", "node2", "node3", "worker-1", "worker-2" }, cluster.Services.Order(StringComparer.Ordinal));
        // status names the compose service of each replica: what the 12-node test finds its workers by.
        Assert.Equal(new[] { "node1", "node2", "node3", "worker", "worker" },
            cluster.Services.Order(StringComparer.Ordinal).Select(s => cluster.InfoOf(s).ComposeService));
        var expected = new[] { "node1", "node2", "node3" }.Select(n => $"akka.ssl.tcp://promisegrid@{n}:4053")
            .Concat(new[] { "worker-1", "worker-2" }.Select(w => $"akka.ssl.tcp://promisegrid@{cluster.InfoOf(w).Address}:4053"))
            .Order(StringComparer.Ordinal).ToArray();
        await UpMembersAsync(cluster, expected);

        // hash/ runs on node3 alone: a worker's gateway reaches it across namespaces.
        using (var hash = await cluster.CompleteAsync("worker-2", Encoding.UTF8.GetBytes("hash/sha256/abc")))
        {
            Assert.Equal(HttpStatusCode.OK, hash.StatusCode);
            Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", await hash.Content.ReadAsStringAsync());
        }
        Assert.Contains("remoting tls on certificate=CN=worker, O=PromiseGrid", await cluster.LogOf("worker-1"));

        var gone = $"akka.ssl.tcp://promisegrid@{cluster.InfoOf("worker-2").Address}:4053";
        await cluster.ScaleAsync("worker", 1);
        Assert.DoesNotContain("worker-2", cluster.Services);
        await UpMembersAsync(cluster, [.. expected.Where(a => a != gone)]);
    }

    private static async Task UpMembersAsync(ComposeCluster cluster, string[] expected)
    {
        string[] up = [];
        try
        {
            await Poll.UntilAsync(async () =>
            {
                using var response = await cluster.CompleteAsync("node1", Encoding.UTF8.GetBytes("sys/members"));
                if (response.StatusCode != HttpStatusCode.OK) return false;
                using var members = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                up =
                [
                    .. members.RootElement.EnumerateArray()
                        .Where(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean())
                        .Select(m => m.GetProperty("address").GetString()!)
                        .Order(StringComparer.Ordinal),
                ];
                return up.SequenceEqual(expected);
            }, TimeSpan.FromMinutes(1), () => $"node1 sees Up: [{string.Join(", ", up)}], expected [{string.Join(", ", expected)}]");
        }
        catch (TimeoutException timeout)
        {
            Assert.Fail($"{timeout.Message}. node1 log:\n{await cluster.LogOf("node1")}");
        }
    }
}
