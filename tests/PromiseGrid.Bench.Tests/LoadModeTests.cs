using PromiseGrid.Bench.Load;
using Xunit;

namespace PromiseGrid.Bench.Tests;

/// <summary>
/// Each load mode runs for real, briefly (timing is not judged here), and every side of every
/// comparison must have completed requests and failed none: a mode whose grid requests all fail,
/// or whose baseline never answers, is red here rather than a table row with a 0.00 ratio.
/// </summary>
public sealed class LoadModeTests
{
    private static readonly LoadOptions Brief = new(Concurrency: 2, Seconds: 0.2, WarmupSeconds: 0.05, PayloadBytes: 16, Rounds: 2);

    [Theory]
    [InlineData("local")]
    [InlineData("remote")]
    [InlineData("gateway")]
    [InlineData("capabilities")]
    [InlineData("wasm")]
    [InlineData("tracing")]
    public async Task Every_side_of_the_mode_completes_requests_and_fails_none(string mode)
    {
        var report = await LoadBench.RunAsync(mode, Brief);

        var figures = report.Comparisons?.SelectMany(c => new[] { c.Grid, c.Baseline }).ToList() ?? [report.Grid, report.Baseline];
        Assert.All(figures, f =>
        {
            Assert.True(f.PerSecond > 0, $"{mode}: {f.Name} completed nothing");
            Assert.True(f.Failed == 0, $"{mode}: {f.Name} failed {f.Failed} requests");
        });
        Assert.True(report.Ratio > 0, $"{mode}: ratio {report.Ratio}");
    }

    [Fact]
    public async Task Local_judges_requests_through_the_client_against_akka_Ask_and_labels_the_router_only_pair()
    {
        var report = await LoadBench.RunAsync("local", Brief);

        var comparisons = Assert.IsAssignableFrom<IReadOnlyList<LoadComparison>>(report.Comparisons);
        Assert.Equal([LocalBench.ClientComparison, LocalBench.RouterComparison], comparisons.Select(c => c.Name));
        Assert.Same(comparisons[0].Grid, report.Grid);
        Assert.Equal("grid via IGrid.CompleteAsync", report.Grid.Name);
        Assert.Equal("akka Ask request/reply", report.Baseline.Name);
        Assert.Contains("router + module only", report.ToTable());
    }

    [Fact]
    public async Task Capabilities_compares_the_token_checking_node_with_the_open_one_through_the_client()
    {
        var report = await LoadBench.RunAsync("capabilities", Brief);

        Assert.Equal("grid, cached bearer token", report.Grid.Name);
        Assert.Equal("grid, capabilities off", report.Baseline.Name);
        Assert.Matches(@"\| grid, cached bearer token \| [0-9,]+ \|", report.ToTable());
    }

    [Fact]
    public async Task Rounds_alternate_which_side_goes_first()
    {
        var order = new List<string>();
        Func<TimeSpan, TimeSpan, Task<LoadMeter>> Side(string name) => (_, _) =>
        {
            order.Add(name);
            return Task.FromResult(new LoadMeter());
        };

        await BenchSetup.AlternateAsync("test", Brief with { Rounds = 4 }, "baseline", Side("b"), "grid", Side("g"));

        // A warm-up of each, then four rounds, the first side changing every round.
        Assert.Equal(["b", "g", "b", "g", "g", "b", "b", "g", "g", "b"], order);
    }
}
