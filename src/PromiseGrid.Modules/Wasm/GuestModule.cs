using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;
using Wasmtime;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// A guest's bytes compiled for this node's engine, checked against the guest ABI
/// (<see cref="GuestAbi"/>) once and its imports resolved once (<see cref="Pre"/>), so each
/// request only instantiates it.
/// </summary>
internal sealed class GuestModule
{
    private GuestModule(Cid cid, WasmtimeNative.InstancePreHandle pre, int byteLength, bool importsNothing)
    {
        Cid = cid;
        ImportsNothing = importsNothing;
        Pre = pre;
        ByteLength = byteLength;
    }

    public Cid Cid { get; }

    /// <summary>
    /// The module with grid.complete linked in: what a request instantiates. Released by its
    /// finalizer once no request runs it (an evicted module may still be running).
    /// </summary>
    public WasmtimeNative.InstancePreHandle Pre { get; }

    public int ByteLength { get; }

    /// <summary>True when the guest does not import grid.complete: its output is all it does (<see cref="WasmRuntime.TryRunInline"/>).</summary>
    public bool ImportsNothing { get; }

    /// <summary>Compiles and checks a guest; every way the bytes can fail the ABI is BadRequest, with the reason.</summary>
    /// <exception cref="CompletionRefusedException">Not WebAssembly, a foreign import, a missing export, too much memory.</exception>
    public static GuestModule Compile(Engine engine, WasmtimeNative.LinkerHandle linker, Cid cid, ReadOnlySpan<byte> bytes, WasmSettings settings)
    {
        Module compiled;
        try
        {
            compiled = Module.FromBytes(engine, cid.ToString(), bytes);
        }
        catch (WasmtimeException error) when (error.Message.Contains("pooling allocator", StringComparison.Ordinal))
        {
            // Valid WebAssembly whose memory (or tables) start larger than the engine's pooled slots.
            throw BadRequest($"wasm: module {cid} needs more memory than the limit of {settings.MaxMemoryPages} pages " +
                $"(promisegrid.wasm.max-memory-pages) allows: {WasmErrors.OneLine(error.Message)}");
        }
        catch (WasmtimeException error)
        {
            throw BadRequest($"wasm: {cid} ({bytes.Length} bytes) is not a WebAssembly module: {WasmErrors.OneLine(error.Message)}");
        }
        // The pre-instantiated module keeps what it needs of the compiled one.
        using (compiled)
        {
            CheckImports(cid, compiled);
            CheckExports(cid, compiled);
            return new GuestModule(cid, WasmtimeNative.InstantiatePre(linker, WasmtimeNative.ModuleHandle(compiled)), bytes.Length,
                importsNothing: !compiled.Imports.Any());
        }
    }

    private static void CheckImports(Cid cid, Module module)
    {
        foreach (var import in module.Imports)
        {
            var isGridComplete = import is FunctionImport function
                && import.ModuleName == GuestAbi.ImportModule && import.Name == GuestAbi.ImportName
                && function.Parameters.SequenceEqual([ValueKind.Int32, ValueKind.Int32])
                && function.Results.SequenceEqual([ValueKind.Int64]);
            if (!isGridComplete)
                throw BadRequest($"wasm: module {cid} imports {import.ModuleName}.{import.Name} ({Describe(import)}), which the grid " +
                    "does not provide: a guest may import only grid.complete(i32, i32) -> i64");
        }
    }

    private static void CheckExports(Cid cid, Module module)
    {
        var missing = new List<string>();
        var memory = module.Exports.OfType<MemoryExport>().FirstOrDefault(e => e.Name == GuestAbi.MemoryExport);
        if (memory is null || memory.Is64Bit) missing.Add("memory (a 32-bit memory)");
        if (!ExportsFunction(module, GuestAbi.AllocExport, [ValueKind.Int32], ValueKind.Int32)) missing.Add("grid_alloc(i32) -> i32");
        if (!ExportsFunction(module, GuestAbi.CompleteExport, [ValueKind.Int32, ValueKind.Int32], ValueKind.Int64))
            missing.Add("grid_complete(i32, i32) -> i64");
        if (missing.Count > 0)
            throw BadRequest($"wasm: module {cid} does not export {string.Join(", ", missing)}: a guest exports memory, " +
                "grid_alloc(i32) -> i32 and grid_complete(i32, i32) -> i64 (README \"WebAssembly modules\")");
    }

    private static bool ExportsFunction(Module module, string name, ValueKind[] parameters, ValueKind result) =>
        module.Exports.OfType<FunctionExport>().Any(e => e.Name == name
            && e.Parameters.SequenceEqual(parameters) && e.Results.SequenceEqual([result]));

    private static string Describe(Import import) => import switch
    {
        FunctionImport f => $"a function ({string.Join(", ", f.Parameters.Select(Kind))}) -> ({string.Join(", ", f.Results.Select(Kind))})",
        MemoryImport => "a memory",
        TableImport => "a table",
        GlobalImport => "a global",
        _ => import.GetType().Name,
    };

    private static string Kind(ValueKind kind) => kind switch
    {
        ValueKind.Int32 => "i32",
        ValueKind.Int64 => "i64",
        ValueKind.Float32 => "f32",
        ValueKind.Float64 => "f64",
        _ => kind.ToString(),
    };

    private static CompletionRefusedException BadRequest(string reason) => new(CompletionStatus.BadRequest, reason);
}
