using System.Text;

namespace PromiseGrid.Cli.Tests;

public sealed class CompleteCommandTests
{
    private static readonly byte[] AllBytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

    private static Task<FakeGateway> EchoGatewayAsync() =>
        FakeGateway.StartAsync((request, response) => FakeGateway.Bytes(response, request.Body, "echo@node1"));

    [Fact]
    public async Task Completion_bytes_reach_stdout_raw_all_256_values()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) => FakeGateway.Bytes(response, AllBytes, "echo@node1"));

        var result = await Cli.RunAsync(["complete", @"echo/\x00\xff", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(AllBytes, result.Stdout);
        Assert.Equal("", result.Stderr);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/complete", request.Path);
        Assert.Equal([.. "echo/"u8, 0x00, 0xff], request.Body);
        Assert.Null(request.Header("Grid-Deadline"));
    }

    [Fact]
    public async Task Show_provider_prints_provider_on_stderr_and_keeps_stdout_raw()
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "echo/hi", "--show-provider", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("echo/hi"u8.ToArray(), result.Stdout);
        Assert.Equal(["provider=echo@node1"], result.StderrLines);
    }

    [Fact]
    public async Task Deadline_is_sent_as_grid_deadline_header()
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "echo/x", "--deadline", "1500", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("1500", Assert.Single(gateway.Requests).Header("Grid-Deadline"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    public async Task Bad_deadline_is_a_usage_error(string deadline)
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "echo/x", "--deadline", deadline, "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--deadline", result.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Node_comes_from_PG_NODE_when_no_option_is_given()
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "echo/env"], nodeFromEnv: gateway.Url);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("echo/env"u8.ToArray(), result.Stdout);
    }

    [Fact]
    public async Task Node_option_wins_over_PG_NODE_and_may_stand_before_the_command()
    {
        await using var gateway = await EchoGatewayAsync();
        var closed = $"http://127.0.0.1:{FakeGateway.ClosedPort()}";

        var result = await Cli.RunAsync(["--node", gateway.Url, "complete", "echo/opt"], nodeFromEnv: closed);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("echo/opt"u8.ToArray(), result.Stdout);
    }

    [Fact]
    public async Task No_route_problem_is_one_stderr_line_with_the_detail_and_exit_1()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 404, "NoRoute", "No route", "no module serves a prefix of 'foo/bar'"));

        var result = await Cli.RunAsync(["complete", "foo/bar", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Equal("pgrid: no route: no module serves a prefix of 'foo/bar' (404)", result.SingleErrorLine());
    }

    [Theory]
    [InlineData(403, "Denied", "denied")]
    [InlineData(504, "BrokenPromise", "broken promise")]
    [InlineData(502, "ModuleFailed", "module failed")]
    [InlineData(413, "TooLarge", "too large")]
    [InlineData(503, "Overloaded", "overloaded")]
    [InlineData(400, "BadRequest", "bad request")]
    public async Task Every_grid_status_is_one_line_naming_status_detail_and_code(int status, string grid, string phrase)
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, status, grid, "Title", $"the reason for {grid}"));

        var result = await Cli.RunAsync(["complete", "echo/x", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Equal($"pgrid: {phrase}: the reason for {grid} ({status})", result.SingleErrorLine());
    }

    [Fact]
    public async Task A_multi_line_detail_still_gives_one_stderr_line()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 502, "ModuleFailed", "Module failed", "boom\nat Module.Run()\r\n  at Kernel"));

        var result = await Cli.RunAsync(["complete", "echo/x", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pgrid: module failed: boom at Module.Run() at Kernel (502)", result.SingleErrorLine());
    }

    [Fact]
    public async Task An_error_without_problem_json_names_the_http_status_and_body()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Text(response, 500, "text/plain", "something broke\nbadly"));

        var result = await Cli.RunAsync(["complete", "echo/x", "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pgrid: node answered HTTP 500 Internal Server Error: something broke badly", result.SingleErrorLine());
    }

    [Fact]
    public async Task Unreachable_node_is_one_line_and_exit_1()
    {
        var node = $"http://127.0.0.1:{FakeGateway.ClosedPort()}";

        var result = await Cli.RunAsync(["complete", "echo/x", "--node", node]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        var line = result.SingleErrorLine();
        Assert.StartsWith($"pgrid: cannot reach node {node}: ", line);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Bad_notation_is_exit_2_with_the_position_and_no_request()
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", @"echo/\q", "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("pgrid: bad sequence notation at position 5: ", result.SingleErrorLine());
        Assert.Empty(result.Stdout);
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Hex_input_is_sent_as_those_bytes()
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "--hex", "6563686f2f 00 FF", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        byte[] expected = [.. "echo/"u8, 0x00, 0xff];
        Assert.Equal(expected, Assert.Single(gateway.Requests).Body);
        Assert.Equal(expected, result.Stdout);
    }

    [Theory]
    [InlineData("6563zz", "bad hex at position 4: 'z' is not a hex digit")]
    [InlineData("656", "bad hex at position 2: odd number of hex digits")]
    public async Task Bad_hex_is_exit_2_with_the_position_and_no_request(string hex, string expected)
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "--hex", hex, "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"pgrid: {expected}", result.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task File_input_sends_the_file_bytes_unchanged()
    {
        await using var gateway = await EchoGatewayAsync();
        var path = Path.Combine(Path.GetTempPath(), $"pgrid-test-{Guid.NewGuid():N}.bin");
        byte[] content = [.. "echo/"u8, .. AllBytes];
        await File.WriteAllBytesAsync(path, content);
        try
        {
            var result = await Cli.RunAsync(["complete", "--file", path, "--node", gateway.Url]);

            Assert.Equal(0, result.ExitCode);
            Assert.Equal(content, Assert.Single(gateway.Requests).Body);
            Assert.Equal(content, result.Stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Missing_file_is_exit_2_and_no_request()
    {
        await using var gateway = await EchoGatewayAsync();
        var path = Path.Combine(Path.GetTempPath(), $"pgrid-missing-{Guid.NewGuid():N}.bin");

        var result = await Cli.RunAsync(["complete", "--file", path, "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"pgrid: cannot read file '{path}': no such file", result.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Stdin_input_sends_standard_input_bytes()
    {
        await using var gateway = await EchoGatewayAsync();
        byte[] content = [.. "echo/"u8, 0x0a, 0x00, 0x80];

        var result = await Cli.RunAsync(["complete", "--stdin", "--node", gateway.Url], stdin: content);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(content, Assert.Single(gateway.Requests).Body);
        Assert.Equal(content, result.Stdout);
    }

    [Theory]
    [InlineData("echo/x", "--hex", "00")]
    [InlineData("echo/x", "--stdin")]
    [InlineData("--hex", "00", "--file", "whatever.bin")]
    public async Task Two_input_sources_are_a_usage_error(params string[] inputs)
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", .. inputs, "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("pgrid: give exactly one sequence source, got ", result.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task No_input_source_is_a_usage_error()
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("pgrid: no sequence given", result.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task An_empty_completion_writes_nothing_and_succeeds()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) => FakeGateway.Bytes(response, [], "sys@n"));

        var result = await Cli.RunAsync(["complete", "sys/nothing", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task A_sequence_starting_with_a_dash_can_follow_double_dash()
    {
        await using var gateway = await EchoGatewayAsync();

        var result = await Cli.RunAsync(["complete", "--node", gateway.Url, "--", "-dash/"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Encoding.ASCII.GetBytes("-dash/"), Assert.Single(gateway.Requests).Body);
    }
}
