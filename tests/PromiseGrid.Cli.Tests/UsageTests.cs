namespace PromiseGrid.Cli.Tests;

public sealed class UsageTests
{
    [Fact]
    public async Task Help_lists_the_commands_and_the_node_option()
    {
        var result = await Cli.RunAsync(["--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        foreach (var expected in new[] { "complete", "routes", "status", "--node", "PG_NODE", "http://127.0.0.1:7070", "Exit codes" })
            Assert.Contains(expected, result.StdoutText);
    }

    [Fact]
    public async Task No_command_is_a_usage_error_naming_every_command()
    {
        var result = await Cli.RunAsync([]);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        foreach (var command in new[] { "complete", "routes", "status", "put", "get", "bench", "key", "token" })
            Assert.Contains(command, result.Stderr);
    }

    [Fact]
    public async Task Help_default_node_shows_PG_NODE_when_set()
    {
        var result = await Cli.RunAsync(["--help"], nodeFromEnv: "http://grid.example:9000");

        Assert.Contains("http://grid.example:9000", result.StdoutText);
    }

    [Fact]
    public async Task Complete_help_names_every_input_and_option()
    {
        var result = await Cli.RunAsync(["complete", "--help"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var expected in new[] { "<sequence>", "--hex", "--file", "--stdin", "--deadline", "--show-provider", "Grid-Deadline", "\\xHH" })
            Assert.Contains(expected, result.StdoutText);
    }

    [Theory]
    [InlineData("routes", "--json")]
    [InlineData("status", "ready")]
    public async Task Command_help_is_shown(string command, string expected)
    {
        var result = await Cli.RunAsync([command, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.StdoutText);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("routes --bogus")]
    [InlineData("complete --hex")]
    [InlineData("")]
    public async Task Parse_errors_are_one_line_and_exit_2(string commandLine)
    {
        var result = await Cli.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, result.ExitCode);
        Assert.EndsWith("--help')", result.SingleErrorLine());
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("ftp://host:1")]
    [InlineData("http://host:1/?q=1")]
    public async Task Bad_node_url_is_a_usage_error(string node)
    {
        var result = await Cli.RunAsync(["routes", "--node", node]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"pgrid: bad node URL '{node}'", result.SingleErrorLine());
    }
}
