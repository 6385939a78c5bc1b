using System.Net;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>The real pgrid executable against a real node, as a user runs it.</summary>
[Collection(GatewayNodeCollection.Name)]
public sealed class CliTests(GatewayNodeFixture fixture)
{
    private string NodeUrl => fixture.Node.Gateway.ToString().TrimEnd('/');

    private Task<CliProcess.Result> Pgrid(params string[] args) => CliProcess.RunAsync(null, ["--node", NodeUrl, .. args]);

    [Fact]
    public async Task Complete_echo_hello_prints_hello()
    {
        var result = await Pgrid("complete", "echo/hello");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello", result.StdoutText);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task The_node_can_come_from_PG_NODE()
    {
        var result = await CliProcess.RunAsync(new Dictionary<string, string> { ["PG_NODE"] = NodeUrl }, "complete", "echo/env");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("env", result.StdoutText);
    }

    [Fact]
    public async Task Notation_and_hex_reach_every_byte_raw_on_stdout()
    {
        var escaped = await Pgrid("complete", @"echo/\x00\xff\\");
        Assert.Equal(new byte[] { 0x00, 0xff, (byte)'\\' }, escaped.Stdout);

        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var hex = await Pgrid("complete", "--hex", "6563686f2f" + Convert.ToHexString(all));
        Assert.Equal(0, hex.ExitCode);
        Assert.Equal(all, hex.Stdout);
    }

    [Fact]
    public async Task A_grid_error_is_one_line_and_exit_1()
    {
        var result = await Pgrid("complete", "nobody/home");
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("pgrid: no route", line);
        Assert.Contains("nobody/home", line);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task A_broken_promise_is_one_line_and_exit_1()
    {
        var result = await Pgrid("complete", "--deadline", "200", "hang/x");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("200 ms", Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Bad_notation_is_a_usage_error_with_its_position()
    {
        var result = await Pgrid("complete", @"echo/\q");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("position 5", Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task An_unreachable_node_is_one_line_and_exit_1()
    {
        var result = await CliProcess.RunAsync(null, "--node", $"http://127.0.0.1:{Ports.Closed()}", "complete", "echo/x");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot reach node", Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Routes_and_status_describe_the_node()
    {
        var routes = await Pgrid("routes");
        Assert.Equal(0, routes.ExitCode);
        Assert.Contains("echo/", routes.StdoutText);
        Assert.Contains("akka.tcp://promisegrid@127.0.0.1:", routes.StdoutText);

        var status = await Pgrid("status");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Up", status.StdoutText);
    }
}
