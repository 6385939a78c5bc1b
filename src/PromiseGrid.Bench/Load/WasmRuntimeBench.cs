using System.Diagnostics;
using System.Globalization;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Modules.Wasm;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// What Wasmtime costs a request of examples/wasm/upper.wat, without the grid around it: one
/// thread loops the wasm module's runtime (a fresh store and instance, the limits, grid_alloc,
/// grid_complete, the output copied out) and reports CPU µs per request from the process's CPU
/// time, which the machine's other load changes less than wall time. The profile behind
/// README "Performance > WebAssembly modules".
/// </summary>
public static class WasmRuntimeBench
{
    public const string Mode = "wasm-runtime";

    public static int RunCommandLine(string[] args)
    {
        var requests = args.Length >= 2 && args[0] == "--requests" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
        var bytes = WasmBench.ModuleBytes();
        using var runtime = new WasmRuntime(WasmSettings.Default, 1 << 20);
        using var workers = new WasmWorkers(1, 1, 1);
        var module = runtime.Compile(Cid.Of(bytes), bytes);
        var input = Sequence.FromText("hello, wasm grid");
        // No grid: upper.wat imports nothing, so nothing calls it.
        GuestCall Call() => new(module, null!, workers, DateTimeOffset.UtcNow.AddSeconds(10), deadlineIsRequests: false);

        Measure("worker path (WasmRuntime.Run)", requests, () => runtime.Run(module, input, Call()));
        Measure("inline path (WasmRuntime.TryRunInline)", requests, () => runtime.TryRunInline(module, input, Call())!.Value);
        return 0;
    }

    private static void Measure(string name, int requests, Func<Sequence> run)
    {
        for (var i = 0; i < requests / 10; i++) run(); // warm-up: tiered JIT, pool slots
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
            if (run().Length != 16) throw new InvalidOperationException("upper.wat answered a different length");
        wall.Stop();
        process.Refresh();
        var cpuMicros = (process.TotalProcessorTime - cpu).TotalMicroseconds / requests;
        Console.WriteLine($"| {name} | {cpuMicros:F2} | {wall.Elapsed.TotalMicroseconds / requests:F2} | {requests:N0} |");
    }
}
