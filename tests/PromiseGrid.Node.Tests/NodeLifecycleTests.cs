using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>Starting with bad settings and stopping on SIGTERM, as an operator sees it.</summary>
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
    }

    [Theory]
    [InlineData("PG_MODULES", "echo,nosuch", "unknown module 'nosuch'")]
    [InlineData("PG_PORT", "http", "PG_PORT must be a port number")]
    [InlineData("PG_HTTP", "not a url", "PG_HTTP must be a URL")]
    [InlineData("PG_LOGLEVEL", "LOUD", "PG_LOGLEVEL must be one of")]
    [InlineData("PG_LOGFORMAT", "xml", "PG_LOGFORMAT (promisegrid.node.log-format) must be one of text, json, got 'xml'")]
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
        await using var node = NodeProcess.Launch(new Dictionary<string, string> { ["PG_SEEDS"] = nowhere });
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
