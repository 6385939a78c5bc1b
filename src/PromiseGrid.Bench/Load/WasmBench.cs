using System.Reflection;
using Akka.Actor;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Modules.Store;
using PromiseGrid.Modules.Wasm;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// What running code as WebAssembly costs: <c>wasm/&lt;cid&gt;/&lt;payload&gt;</c> with
/// examples/wasm/upper.wat (stored in the store module, compiled once and cached by the wasm
/// module, a fresh instance per request) against <c>upper/&lt;payload&gt;</c> served by
/// <see cref="NativeUpperModule"/>, the same function in C#. One actor system, the same closed-loop
/// async requesters calling <c>IGrid.CompleteAsync</c> for both (<see cref="ClosedLoop"/>); the
/// completion cache is off, so every request runs the function.
/// </summary>
public static class WasmBench
{
    /// <summary>examples/wasm/upper.wat, embedded in this assembly: the bench measures the example itself.</summary>
    public const string ModuleResource = "PromiseGrid.Bench.upper.wat";

    public static async Task<IReadOnlyList<LoadFigure>> RunAsync(LoadOptions options)
    {
        var root = Directory.CreateTempSubdirectory("pg-bench-wasm-").FullName;
        var system = ActorSystem.Create("promisegrid", SystemConfig(Path.Combine(root, "store")));
        try
        {
            var grid = Grid.GetRuntime(system);
            system.ActorOf(StoreModule.Props(), "store");
            system.ActorOf(WasmModule.Props(), "wasm");
            system.ActorOf(Props.Create(() => new NativeUpperModule()), "upper");
            await BenchSetup.AwaitRouteAsync(grid, StoreModule.PutPrefix);
            await BenchSetup.AwaitRouteAsync(grid, "wasm/");
            await BenchSetup.AwaitRouteAsync(grid, NativeUpperModule.Prefix);

            var cid = await PutModuleAsync(grid);
            var payload = options.Payload();
            var wasm = Sequence.FromText($"wasm/{cid}/").Concat(new Sequence(payload));
            var native = Sequence.FromText(NativeUpperModule.Prefix).Concat(new Sequence(payload));
            await ExpectSameAnswerAsync(grid, wasm, native);

            var expected = payload.Length;
            return await BenchSetup.AlternateAsync("wasm", options,
                "native C# module", ClosedLoop.Round(options.Concurrency,
                    () => grid.CompleteAsync(native, BenchSetup.Deadline),
                    completion => completion.IsCompleted && completion.Bytes.Length == expected),
                "wasm module (upper.wat)", ClosedLoop.Round(options.Concurrency,
                    () => grid.CompleteAsync(wasm, BenchSetup.Deadline),
                    completion => completion.IsCompleted && completion.Bytes.Length == expected));
        }
        finally
        {
            await system.Terminate();
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>upper.wat converted to binary, as <c>pgrid wasm put</c> stores it.</summary>
    public static byte[] ModuleBytes()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ModuleResource)
            ?? throw new InvalidOperationException($"resource {ModuleResource} is missing from the bench assembly");
        using var reader = new StreamReader(stream);
        return Wasmtime.Module.ConvertText(reader.ReadToEnd());
    }

    private static async Task<Cid> PutModuleAsync(IGrid grid)
    {
        var bytes = ModuleBytes();
        var put = await grid.CompleteAsync(Sequence.FromText("store/put/").Concat(new Sequence(bytes)), TimeSpan.FromSeconds(10));
        if (!put.IsCompleted) throw new InvalidOperationException($"store/put/ of upper.wat failed: {put.Status}: {put.Reason}");
        return Cid.Of(bytes);
    }

    /// <summary>Both sides compute the same function, checked once before anything is measured (this also compiles the module).</summary>
    private static async Task ExpectSameAnswerAsync(IGrid grid, Sequence wasm, Sequence native)
    {
        var fromWasm = await grid.CompleteAsync(wasm, TimeSpan.FromSeconds(30));
        var fromNative = await grid.CompleteAsync(native, TimeSpan.FromSeconds(10));
        if (!fromWasm.IsCompleted) throw new InvalidOperationException($"wasm/ did not complete: {fromWasm.Status}: {fromWasm.Reason}");
        if (!fromNative.IsCompleted) throw new InvalidOperationException($"upper/ did not complete: {fromNative.Status}: {fromNative.Reason}");
        if (!fromWasm.Bytes.Span.SequenceEqual(fromNative.Bytes.Span))
            throw new InvalidOperationException("the wasm module and the native module answered differently");
    }

    private static Config SystemConfig(string storeFolder) => GridSettings.WithGridDefaults(ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = local
        promisegrid.cache.enabled = off
        promisegrid.store {
          folder = "{{storeFolder.Replace("\\", "\\\\", StringComparison.Ordinal)}}"
          replication-factor = 1
        }
        """));
}
