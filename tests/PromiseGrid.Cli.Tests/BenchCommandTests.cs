using System.Text.Json;

namespace PromiseGrid.Cli.Tests;

/// <summary>pgrid bench runs for real, briefly: the modes must keep working (timing is not judged here).</summary>
public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("local")]
    [InlineData("remote")]
    [InlineData("gateway")]
    public async Task Each_mode_prints_grid_baseline_and_ratio(string mode)
    {
        var result = await Cli.RunAsync(["bench", mode, "--concurrency", "4", "--seconds", "0.3", "--warmup", "0.1"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var text = result.StdoutText;
        Assert.StartsWith($"{mode}: 4 requesters", text);
        Assert.Contains("ratio grid/baseline |", text);
        // Requests as users make them (through the client or the gateway), and some completed.
        Assert.Matches(@"\| ([^|]*, )?grid (via IGrid\.CompleteAsync|gateway) \| [1-9][0-9,]* \|", text);
    }

    [Fact]
    public async Task Json_output_carries_both_figures_and_the_ratio()
    {
        var result = await Cli.RunAsync(["bench", "local", "--concurrency", "2", "--seconds", "0.2", "--warmup", "0.1", "--json", "-"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var report = JsonDocument.Parse(result.StdoutText).RootElement;
        Assert.Equal("local", report.GetProperty("mode").GetString());
        var grid = report.GetProperty("grid");
        Assert.True(grid.GetProperty("perSecond").GetDouble() > 0);
        Assert.Equal(0, grid.GetProperty("failed").GetInt64());
        Assert.True(report.GetProperty("baseline").GetProperty("perSecond").GetDouble() > 0);
        Assert.True(report.GetProperty("ratio").GetDouble() > 0);
    }

    [Fact]
    public async Task An_unknown_mode_is_a_usage_error()
    {
        var result = await Cli.RunAsync(["bench", "nowhere"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nowhere", result.SingleErrorLine());
    }
}
