using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;
using Xunit.Abstractions;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// The README's compose path with a real Docker engine: the image is built from
/// deploy/Dockerfile, `up -d` with no prior step makes the certificates (the `certs` service),
/// three named nodes and two scaled workers come up healthy as one cluster, a completion
/// crosses containers, the logs show Akka's lines, a killed node serves again once started,
/// and `down -v` removes it all. One cluster for every step: the image build and five
/// containers are the costly part, so they are paid once.
/// </summary>
public sealed class DockerComposeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HealthyWithin = TimeSpan.FromMinutes(5);
    private static readonly string[] Named = ["node1", "node2", "node3"];
    private const int Workers = 2;

    [Fact]
    public async Task The_compose_file_builds_scales_serves_and_recovers_under_Docker()
    {
        await using var compose = await DockerCompose.CreateAsync();
        var clock = Stopwatch.StartNew();

        await compose.RunAsync("build");
        output.WriteLine($"docker-compose build: {clock.Elapsed.TotalSeconds:0} s (machine shared, figures indicative)");

        clock.Restart();
        await compose.RunAsync("up", "-d", "--scale", $"worker={Workers}");
        // No hand step: the certs service made the CA, the named nodes' and the workers' certificates.
        foreach (var file in new[] { "ca.crt", "node1.pfx", "node2.pfx", "node3.pfx", "worker.pfx" })
            Assert.True(File.Exists(Path.Combine(compose.CertsDir, file)), $"the certs service did not make {file}:\n{await compose.RunAsync("logs", "certs")}");
        await AllHealthyAsync(compose, Named.Length + Workers);
        output.WriteLine($"up -d until {Named.Length + Workers} containers healthy: {clock.Elapsed.TotalSeconds:0} s");

        // One cluster: the three named nodes by name, each worker by its own container address.
        var node1 = await compose.GatewayOfAsync("node1");
        string[] up = [];
        await Poll.UntilAsync(async () =>
        {
            using var response = await compose.CompleteAsync(node1, "sys/members");
            if (response.StatusCode != HttpStatusCode.OK) return false;
            using var members = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            up =
            [
                .. members.RootElement.EnumerateArray()
                    .Where(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean())
                    .Select(m => m.GetProperty("address").GetString()!)
                    .Order(StringComparer.Ordinal),
            ];
            return up.Length == Named.Length + Workers;
        }, TimeSpan.FromMinutes(1), () => $"node1 sees Up: [{string.Join(", ", up)}]");
        foreach (var name in Named)
            Assert.Contains($"akka.ssl.tcp://promisegrid@{name}:4053", up);
        var workerAddresses = up.Where(a => !Named.Any(n => a.Contains($"@{n}:", StringComparison.Ordinal))).ToArray();
        Assert.Equal(Workers, workerAddresses.Distinct().Count());
        Assert.All(workerAddresses, a => Assert.Matches(@"^akka\.ssl\.tcp://promisegrid@\d+\.\d+\.\d+\.\d+:4053$", a));

        // hash/ runs on node3 alone: through node1 and through a worker it crosses containers.
        await AssertHashServedAsync(compose, node1);
        await AssertHashServedAsync(compose, await compose.GatewayOfAsync("worker", 2));

        // Akka's own log lines reach `docker-compose logs`.
        var logs = await compose.RunAsync("logs", "--no-color", "node1");
        Assert.Contains("remoting tls on certificate=CN=node1", logs);
        Assert.Contains("Cluster Node [akka.ssl.tcp://promisegrid@node1:4053] - Started up successfully", logs);

        // A crashed node, started again, serves again.
        clock.Restart();
        await compose.RunAsync("kill", "node3");
        await compose.RunAsync("start", "node3");
        await AllHealthyAsync(compose, Named.Length + Workers);
        await AssertHashServedAsync(compose, node1);
        output.WriteLine($"kill + start node3 until it serves through node1: {clock.Elapsed.TotalSeconds:0} s");
    }

    private static async Task AllHealthyAsync(DockerCompose compose, int expected)
    {
        var health = new Dictionary<string, string>();
        try
        {
            await Poll.UntilAsync(async () =>
            {
                health.Clear();
                foreach (var service in (string[])[.. Named, "worker"])
                    foreach (var container in await compose.ContainersAsync(service))
                        health[$"{service} {container[..12]}"] = await compose.HealthAsync(container);
                return health.Count == expected && health.Values.All(h => h == "healthy");
            }, HealthyWithin, () => string.Join(", ", health.Select(kv => $"{kv.Key}: {kv.Value}")));
        }
        catch (TimeoutException timeout)
        {
            Assert.Fail($"{timeout.Message}\n{await compose.RunAsync("logs", "--no-color", "--tail", "40")}");
        }
    }

    private static async Task AssertHashServedAsync(DockerCompose compose, Uri gateway)
    {
        var status = HttpStatusCode.OK;
        var body = "";
        try
        {
            // Routes from a node that just joined take a gossip round to reach the others.
            await Poll.UntilAsync(async () =>
            {
                using var response = await compose.CompleteAsync(gateway, "hash/sha256/abc");
                status = response.StatusCode;
                body = await response.Content.ReadAsStringAsync();
                return status == HttpStatusCode.OK;
            }, TimeSpan.FromMinutes(1), () => $"{gateway} hash/sha256/abc answered {(int)status}: {body}");
        }
        catch (TimeoutException timeout)
        {
            Assert.Fail($"{timeout.Message}\n{await compose.RunAsync("logs", "--no-color", "--tail", "40", "node3")}");
        }
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", body);
    }
}
