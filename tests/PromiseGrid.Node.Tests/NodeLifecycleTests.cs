using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>Starting with bad settings, stopping on SIGTERM, and exiting when the node cannot serve, as an operator sees it.</summary>
public sealed class NodeLifecycleTests
{
    [Fact]
    public async Task Sigterm_stops_the_node_gracefully_through_coordinated_shutdown()
    {
        await using var node = await NodeProcess.StartAsync();
        var exitCode = await node.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, exitCode);
        Assert.Contains(node.Lines, l => l.Contains("node stopping address="));
        Assert.Contains(node.Lines, l => l.Contains("Exiting completed"));
        Assert.Contains("promisegrid-node: exit code=0 reason=stopped", node.Lines.Last());
    }

    [Fact]
    public async Task A_seed_that_cannot_reach_the_first_seed_exits_with_code_3_after_the_join_timeout()
    {
        // node2 of a two-seed list: it is not the first seed, so it may not form a cluster of
        // its own, and the first seed never answers.
        var port = Ports.Closed();
        var seeds = $"akka.tcp://promisegrid@127.0.0.1:{Ports.Closed()},akka.tcp://promisegrid@127.0.0.1:{port}";
        await using var node = NodeProcess.Launch(new Dictionary<string, string>
        {
            ["PG_PORT"] = port.ToString(),
            ["PG_SEEDS"] = seeds,
            ["PG_JOIN_TIMEOUT"] = "5s",
        });

        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 3, $"exit code {exitCode}. Log:\n{node.Log}");
        Assert.Contains(node.Lines, l => l.Contains("was unsuccessful after configured shutdown-after-unsuccessful-join-seed-nodes"));
        var last = node.Lines.Last();
        Assert.Contains("promisegrid-node: exit code=3 reason=not joined within 5s (PG_JOIN_TIMEOUT): no seed node accepted the join", last);
        Assert.Contains($"address=akka.tcp://promisegrid@127.0.0.1:{port}", last);
    }

    [Fact]
    public async Task A_node_the_others_down_exits_with_code_4()
    {
        await using var node1 = await NodeProcess.StartAsync(new Dictionary<string, string> { ["PG_MODULES"] = "echo" });
        var seeds = new Dictionary<string, string> { ["PG_MODULES"] = "echo", ["PG_SEEDS"] = node1.RemotingAddress };
        await using var node2 = await NodeProcess.StartAsync(seeds);
        await using var node3 = await NodeProcess.StartAsync(seeds);
        var node3Address = node3.RemotingAddress;

        // Frozen, node3 sends no heartbeats: the majority marks it unreachable, and once
        // membership is stable the split-brain resolver downs it and the leader (node1 or node2,
        // whichever has the lower port) removes it; every member's router then drops its routes.
        await node3.SignalAsync("STOP");
        await Poll.UntilAsync(() => Task.FromResult(node1.Lines.Any(l => l.Contains($"routes dropped node={node3Address} reason=removed"))),
            TimeSpan.FromSeconds(120), () => $"node1 never saw node3 removed. node1's log:\n{node1.Log}");

        // Thawed, node3 learns it is down (from its peers, or its own resolver finds it is the
        // minority and downs itself) and must leave for good.
        await node3.SignalAsync("CONT");
        var exitCode = await node3.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 4, $"exit code {exitCode}. node3's log:\n{node3.Log}");
        Assert.Contains("promisegrid-node: exit code=4 reason=downed by the cluster", node3.Lines.Last());
        Assert.False(node1.HasExited);
        Assert.False(node2.HasExited);
    }

    [Theory]
    [InlineData("PG_MODULES", "echo,nosuch", "unknown module 'nosuch'")]
    [InlineData("PG_PORT", "http", "PG_PORT must be a port number")]
    [InlineData("PG_HTTP", "not a url", "PG_HTTP must be a URL")]
    [InlineData("PG_LOGLEVEL", "LOUD", "PG_LOGLEVEL must be one of")]
    [InlineData("PG_LOGFORMAT", "xml", "PG_LOGFORMAT (promisegrid.node.log-format) must be one of text, json, got 'xml'")]
    [InlineData("PG_JOIN_TIMEOUT", "soon", "PG_JOIN_TIMEOUT (promisegrid.node.join-timeout) must be a duration like 60s, or off")]
    [InlineData("PG_JOIN_TIMEOUT", "0s", "PG_JOIN_TIMEOUT (promisegrid.node.join-timeout) must be above zero, or off")]
    [InlineData("PG_SEEDS", "127.0.0.1:4053", "is not an address like akka.tcp://promisegrid@host:port")]
    [InlineData("PG_TRUST", "not-a-key", "promisegrid.security.trust (PG_TRUST): 'not-a-key' is not a public key")]
    [InlineData("PG_TRUST", ",", "promisegrid.security.trust (PG_TRUST) is set to ',' but names no key")]
    [InlineData("PG_TOKEN", "garbage!", "promisegrid.security.token (PG_TOKEN): token text is not base64url")]
    [InlineData("PG_KEY", "/nonexistent/key.pem", "promisegrid.security.key (PG_KEY)")]
    public async Task Bad_settings_stop_the_node_at_once_with_one_clear_line(string variable, string value, string expected)
    {
        await using var node = NodeProcess.Launch(new Dictionary<string, string> { [variable] = value });
        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, exitCode);
        var line = Assert.Single(node.Lines, l => l.StartsWith("promisegrid-node: "));
        Assert.Contains(expected, line);
    }

    [Fact]
    public async Task A_gateway_port_in_use_is_reported_and_the_node_exits()
    {
        await using var first = await NodeProcess.StartAsync();
        await using var second = NodeProcess.Launch(new Dictionary<string, string> { ["PG_HTTP"] = first.Gateway.ToString().TrimEnd('/') });
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exitCode);
        Assert.Contains(second.Lines, l => l.Contains("gateway failed to start"));
    }

    [Fact]
    public async Task A_node_with_a_wrong_seed_says_why_it_cannot_join_and_stays_unhealthy()
    {
        var nowhere = $"akka.tcp://promisegrid@127.0.0.1:{Ports.Closed()}";
        // off: the node keeps trying for as long as the test looks (the timeout has its own test).
        await using var node = NodeProcess.Launch(new Dictionary<string, string> { ["PG_SEEDS"] = nowhere, ["PG_JOIN_TIMEOUT"] = "off" });
        await Poll.UntilAsync(() => Task.FromResult(node.Lines.Any(l => l.Contains("node not joined after"))),
            TimeSpan.FromSeconds(40), () => $"no 'node not joined' warning. Log:\n{node.Log}");

        Assert.False(node.HasExited);
        var warning = node.Lines.First(l => l.Contains("node not joined after"));
        Assert.Contains($"seeds={nowhere}", warning);
        var gateway = node.Lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"gateway listening url=(\S+)"))
            .First(m => m.Success).Groups[1].Value;
        using var health = await node.Http.GetAsync($"{gateway}/health");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("not Up", await health.Content.ReadAsStringAsync());
    }
}
