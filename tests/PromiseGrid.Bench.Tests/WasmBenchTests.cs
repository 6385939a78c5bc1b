using System.Text.Json;
using PromiseGrid.Bench.Load;
using Xunit;

namespace PromiseGrid.Bench.Tests;

/// <summary>
/// The wasm load mode runs for real, briefly (timing is not judged here): upper.wat through the wasm
/// module and the same function as a C# module both complete, side by side in one report.
/// </summary>
public sealed class WasmBenchTests
{
    private static readonly LoadOptions Brief = new(Concurrency: 2, Seconds: 0.2, WarmupSeconds: 0.05, PayloadBytes: 16, Rounds: 1);

    [Fact]
    public async Task Wasm_mode_reports_the_wasm_module_next_to_the_native_one()
    {
        var report = await LoadBench.RunAsync("wasm", Brief);

        Assert.Equal("wasm module (upper.wat)", report.Grid.Name);
        Assert.Equal("native C# module", report.Baseline.Name);
        Assert.True(report.Grid.PerSecond > 0, "the wasm module completed nothing");
        Assert.True(report.Baseline.PerSecond > 0, "the native module completed nothing");
        Assert.Equal(0, report.Grid.Failed);
        Assert.Equal(0, report.Baseline.Failed);

        var table = report.ToTable();
        Assert.StartsWith("wasm: 2 requesters, 16 B payload", table);
        Assert.Matches(@"\| wasm module \(upper\.wat\) \| [0-9,]+ \|", table);
        Assert.Matches(@"\| native C# module \| [0-9,]+ \|", table);
        Assert.Matches(@"\| ratio grid/baseline \| [0-9.]+ \|", table);
        var json = JsonDocument.Parse(report.ToJson()).RootElement;
        Assert.Equal("wasm", json.GetProperty("mode").GetString());
        Assert.True(json.GetProperty("ratio").GetDouble() > 0);
    }

    [Fact]
    public void The_bench_runs_the_upper_wat_example_itself()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "PromiseGrid.sln"))) root = root.Parent!;
        var example = File.ReadAllText(Path.Combine(root.FullName, "examples", "wasm", "upper.wat"));

        Assert.Equal(Wasmtime.Module.ConvertText(example), WasmBench.ModuleBytes());
    }
}
