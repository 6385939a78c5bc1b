namespace PromiseGrid.Cli.Tests;

public sealed class RoutesCommandTests
{
    private const string RoutesJson = """
        [
          {"prefix":"store/","prefixHex":"73746f72652f","module":"store","node":"akka.tcp://promisegrid@node2:4053","pure":false,"reachable":false},
          {"prefix":"echo/","prefixHex":"6563686f2f","module":"echo","node":"akka.tcp://promisegrid@node1:4053","pure":true,"reachable":true},
          {"prefix":"bin/\\x00","prefixHex":"62696e2f00","module":"binmod","node":"akka.tcp://promisegrid@node1:4053","pure":false}
        ]
        """;

    [Fact]
    public async Task Routes_prints_a_table_of_prefix_module_node_purity_and_reachability()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Text(response, 200, "application/json", RoutesJson));

        var result = await Cli.RunAsync(["routes", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        var lines = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^PREFIX\s+MODULE\s+NODE\s+PURE\s+REACHABLE$", lines[0]);
        // Sorted by prefix, ordinal; the prefix stays in text notation.
        // A node that does not say whether a route is reachable (binmod's entry) is taken at its word.
        Assert.Matches(@"^bin/\\x00\s+binmod\s+akka\.tcp://promisegrid@node1:4053\s+no\s+yes$", lines[1]);
        Assert.Matches(@"^echo/\s+echo\s+akka\.tcp://promisegrid@node1:4053\s+yes\s+yes$", lines[2]);
        Assert.Matches(@"^store/\s+store\s+akka\.tcp://promisegrid@node2:4053\s+no\s+no$", lines[3]);
        // Columns line up: every row's module starts where the header's MODULE does.
        var moduleColumn = lines[0].IndexOf("MODULE", StringComparison.Ordinal);
        Assert.All(lines.Skip(1), line => Assert.NotEqual(' ', line[moduleColumn]));
        Assert.All(lines.Skip(1), line => Assert.Equal(' ', line[moduleColumn - 1]));
        Assert.Equal("GET", Assert.Single(gateway.Requests).Method);
        Assert.Equal("/routes", Assert.Single(gateway.Requests).Path);
    }

    [Fact]
    public async Task The_empty_prefix_of_a_fallback_route_is_shown_as_such_not_as_a_blank_cell()
    {
        const string json = """
            [
              {"prefix":"","prefixHex":"","module":"gpt","node":"akka.tcp://promisegrid@node1:4053","pure":true,"reachable":true,"fallback":true},
              {"prefix":"gpt/","prefixHex":"6770742f","module":"gpt","node":"akka.tcp://promisegrid@node1:4053","pure":true,"reachable":true,"fallback":false}
            ]
            """;
        await using var gateway = await FakeGateway.StartAsync((_, response) => FakeGateway.Text(response, 200, "application/json", json));

        var result = await Cli.RunAsync(["routes", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^"""" \(fallback\)\s+gpt\s+akka\.tcp://promisegrid@node1:4053\s+yes\s+yes$", lines[1]);
        Assert.Matches(@"^gpt/\s+gpt\s+", lines[2]);
    }

    [Fact]
    public async Task Routes_json_prints_the_nodes_json_unchanged()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Text(response, 200, "application/json", RoutesJson));

        var result = await Cli.RunAsync(["routes", "--json", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(RoutesJson + "\n", result.StdoutText);
    }

    [Fact]
    public async Task No_routes_says_so()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Text(response, 200, "application/json", "[]"));

        var result = await Cli.RunAsync(["routes", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("no routes registered\n", result.StdoutText);
    }

    [Fact]
    public async Task Unreadable_route_list_is_one_line_and_exit_1()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Text(response, 200, "application/json", "{\"not\":\"a list\"}"));

        var result = await Cli.RunAsync(["routes", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("pgrid: node sent an unreadable route list: ", result.SingleErrorLine());
    }

    [Fact]
    public async Task Routes_error_status_is_one_line_and_exit_1()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 503, "Overloaded", "Overloaded", "the node is starting"));

        var result = await Cli.RunAsync(["routes", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pgrid: overloaded: the node is starting (503)", result.SingleErrorLine());
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Routes_from_an_unreachable_node_is_one_line_and_exit_1()
    {
        var node = $"http://127.0.0.1:{FakeGateway.ClosedPort()}";

        var result = await Cli.RunAsync(["routes", "--node", node]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"pgrid: cannot reach node {node}: ", result.SingleErrorLine());
    }
}
