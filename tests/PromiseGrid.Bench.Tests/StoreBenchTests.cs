using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PromiseGrid.Bench.Load;
using Xunit;

namespace PromiseGrid.Bench.Tests;

/// <summary>
/// The store load mode runs for real, briefly (timing is not judged here), and the single-pair
/// modes still print exactly what they printed before the report learned several comparisons.
/// </summary>
public sealed class StoreBenchTests
{
    private static readonly LoadOptions Brief = new(Concurrency: 2, Seconds: 0.2, WarmupSeconds: 0.05, PayloadBytes: 16, Rounds: 1);

    [Fact]
    public async Task Store_mode_measures_put_get_and_the_cache_each_next_to_its_baseline()
    {
        var report = await LoadBench.RunAsync("store", Brief);

        var comparisons = Assert.IsAssignableFrom<IReadOnlyList<LoadComparison>>(report.Comparisons);
        Assert.Equal(["put 1 KiB", "get 1 KiB", "put 1 MiB", "get 1 MiB", "get 1 KiB again"], comparisons.Select(c => c.Name));
        Assert.All(comparisons, c =>
        {
            Assert.True(c.Grid.PerSecond > 0, $"{c.Name}: {c.Grid.Name} completed nothing");
            Assert.True(c.Baseline.PerSecond > 0, $"{c.Name}: {c.Baseline.Name} completed nothing");
            Assert.Equal(0, c.Grid.Failed);
            Assert.Equal(0, c.Baseline.Failed);
        });
        Assert.Equal([1024, 1024, 1024 * 1024, 1024 * 1024, 1024], comparisons.Select(c => c.BytesPerOp));
        Assert.Same(comparisons[0].Grid, report.Grid);

        // The cache row was answered from the cache: the cached node counted hits.
        var hits = Regex.Match(report.Notes!, @"cache ([0-9,]+) hits");
        Assert.True(hits.Success, report.Notes);
        Assert.True(long.Parse(hits.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0, report.Notes);

        var table = report.ToTable();
        Assert.StartsWith("store: 2 requesters", table);
        Assert.Contains("| figure | completions/s | MB/s |", table);
        Assert.Matches(@"\| put 1 MiB, grid store/put/ \| [0-9,]+ \| [0-9,.]+ \|", table);
        Assert.Matches(@"\| get 1 KiB again, cache hit \(cache on\) \| [0-9,]+ \|", table);
        Assert.Equal(5, Regex.Matches(table, @"ratio grid/baseline \| [0-9.]+ \|").Count);

        var json = JsonDocument.Parse(report.ToJson()).RootElement;
        Assert.Equal("store", json.GetProperty("mode").GetString());
        Assert.Equal(5, json.GetProperty("comparisons").GetArrayLength());
        Assert.True(json.GetProperty("comparisons")[2].GetProperty("gridMegabytesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void A_single_pair_report_prints_as_before_with_no_MB_column_and_no_comparisons_in_JSON()
    {
        var grid = new LoadFigure("local", "grid completion", 1234567.4, 0, 1.05, 300.26, 1500, 120);
        var baseline = new LoadFigure("local", "akka request/reply", 2000000, 2, 1.1, 160, 700.5, 64);
        var report = new LoadReport("local", new LoadOptions(32, 10, 2, 16, 5), grid, baseline, "2 cores");

        Assert.Equal(
            "local: 32 requesters, 16 B payload, 10 s measured per figure in 5 alternating rounds after 2 s warm-up; 2 cores\n"
            + "| figure | completions/s | p50 µs | p99 µs | p99.9 µs | allocated B/op | failed |\n"
            + "|---|---:|---:|---:|---:|---:|---:|\n"
            + "| grid completion | 1,234,567 | 1.1 | 300.3 | 1,500.0 | 120 | 0 |\n"
            + "| akka request/reply | 2,000,000 | 1.1 | 160.0 | 700.5 | 64 | 2 |\n"
            + "| ratio grid/baseline | 0.62 | | | | | |\n",
            report.ToTable().ReplaceLineEndings("\n"));
        var json = JsonDocument.Parse(report.ToJson()).RootElement;
        Assert.Equal(["mode", "machine", "options", "grid", "baseline", "ratio"], json.EnumerateObject().Select(p => p.Name));
    }
}
