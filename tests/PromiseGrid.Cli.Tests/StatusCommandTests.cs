namespace PromiseGrid.Cli.Tests;

public sealed class StatusCommandTests
{
    [Fact]
    public async Task Ready_node_prints_its_fields_and_exits_0()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) => FakeGateway.Text(response, 200, "application/json",
            """{"status":"Up","node":"akka.tcp://promisegrid@node1:4053","members":3,"modules":["echo","sys"],"cluster":{"leader":"node1"}}"""));

        var result = await Cli.RunAsync(["status", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        var lines = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "status:         Up",
                "node:           akka.tcp://promisegrid@node1:4053",
                "members:        3",
                "modules:        echo, sys",
                "cluster.leader: node1",
            ],
            lines);
        Assert.Equal("/health", Assert.Single(gateway.Requests).Path);
    }

    [Fact]
    public async Task Node_not_ready_prints_fields_one_error_line_and_exits_1()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) => FakeGateway.Text(response, 503, "application/json",
            """{"status":"Joining","reason":"waiting for seed nodes"}"""));

        var result = await Cli.RunAsync(["status", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("status: Joining", result.StdoutText);
        Assert.Equal($"pgrid: node {gateway.Url} is not ready: waiting for seed nodes (503)", result.SingleErrorLine());
    }

    [Fact]
    public async Task Not_ready_without_json_uses_the_body_text()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Text(response, 503, "text/plain", "starting up"));

        var result = await Cli.RunAsync(["status", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"pgrid: node {gateway.Url} is not ready: starting up (503)", result.SingleErrorLine());
    }

    [Fact]
    public async Task Unreachable_node_is_not_ready()
    {
        var node = $"http://127.0.0.1:{FakeGateway.ClosedPort()}";

        var result = await Cli.RunAsync(["status", "--node", node]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith($"pgrid: cannot reach node {node}: ", result.SingleErrorLine());
    }
}
