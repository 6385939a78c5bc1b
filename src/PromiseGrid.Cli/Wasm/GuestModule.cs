using System.Text;
using PromiseGrid.Cli.Input;
using PromiseGrid.Cli.Store;
using Wasmtime;

namespace PromiseGrid.Cli.Wasm;

/// <summary>
/// A WebAssembly module read from a file for <c>pgrid wasm put</c>: WAT text converted to the
/// binary format here, then checked against the grid's guest ABI before anything is sent, so a
/// module the <c>wasm/</c> module would refuse is refused with its reason at the user's desk
/// instead of at the first call. The ABI: exports <c>memory</c> (32-bit),
/// <c>grid_alloc(i32) -> i32</c> and <c>grid_complete(i32, i32) -> i64</c>; imports nothing but,
/// optionally, <c>grid.complete(i32, i32) -> i64</c>.
/// </summary>
public sealed class GuestModule
{
    /// <summary>The first four bytes of every WebAssembly binary: <c>\0asm</c>.</summary>
    private static readonly byte[] Magic = [0x00, 0x61, 0x73, 0x6d];

    /// <summary>What the guest ABI asks for, as the errors show it.</summary>
    public const string AbiSummary = "the guest ABI needs exports memory, grid_alloc(i32) -> i32 and grid_complete(i32, i32) -> i64";

    private GuestModule(byte[] bytes, bool fromText, bool importsGrid)
    {
        Bytes = bytes;
        FromText = fromText;
        ImportsGrid = importsGrid;
    }

    /// <summary>The module in the WebAssembly binary format: what is stored, and what its CID names.</summary>
    public byte[] Bytes { get; }

    /// <summary>Whether the file was WAT text, converted here.</summary>
    public bool FromText { get; }

    /// <summary>Whether the module imports <c>grid.complete</c>, i.e. calls the grid.</summary>
    public bool ImportsGrid { get; }

    /// <summary>
    /// Reads <paramref name="path"/>: a file starting with <c>\0asm</c> is a binary module; any other
    /// (except one named <c>.wasm</c>) is taken as WAT text. Every fault is a <see cref="UsageException"/>
    /// naming the file and the cause: nothing has been sent to a node.
    /// </summary>
    public static GuestModule Load(string path)
    {
        var content = LocalFile.ReadAllBytes(path);
        var isBinary = content.AsSpan().StartsWith(Magic);
        if (!isBinary && string.Equals(Path.GetExtension(path), ".wasm", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"'{path}' is not WebAssembly: a module starts with the bytes 00 61 73 6d ('\\0asm'), this file with {Describe(content)}");
        var bytes = isBinary ? content : ConvertText(path, content);
        return Check(path, bytes, fromText: !isBinary);
    }

    /// <summary>Checks binary module bytes against the guest ABI (see the type's summary).</summary>
    public static GuestModule Check(string name, byte[] bytes, bool fromText = false)
    {
        if (bytes.Length > ChunkManifest.DefaultMaxBlobBytes)
            throw new UsageException(
                $"'{name}' is {bytes.Length:N0} bytes; wasm/ runs a module stored as one blob, at most {ChunkManifest.DefaultMaxBlobBytes:N0} bytes");

        using var engine = new Engine();
        var invalid = Module.Validate(engine, bytes);
        if (invalid is not null)
            throw new UsageException($"'{name}' is not valid WebAssembly: {Output.OneLine.Of(invalid, 300)}");

        using var module = Module.FromBytes(engine, Path.GetFileName(name), bytes);
        var exports = module.Exports.ToDictionary(e => e.Name, StringComparer.Ordinal);

        if (!exports.TryGetValue("memory", out var memory))
            throw new UsageException($"'{name}' does not export memory; {AbiSummary}");
        if (memory is not MemoryExport memoryExport)
            throw new UsageException($"'{name}' exports memory as a {Kind(memory)}, not a memory; {AbiSummary}");
        if (memoryExport.Is64Bit)
            throw new UsageException($"'{name}' exports a 64-bit memory; the guest ABI uses a 32-bit memory (pointers are i32)");
        CheckFunction(name, exports, "grid_alloc", [ValueKind.Int32], [ValueKind.Int32]);
        CheckFunction(name, exports, "grid_complete", [ValueKind.Int32, ValueKind.Int32], [ValueKind.Int64]);

        var importsGrid = false;
        foreach (var import in module.Imports)
        {
            if (import is FunctionImport function && import.ModuleName == "grid" && import.Name == "complete")
            {
                if (!Signature(function.Parameters, function.Results).Equals(Signature([ValueKind.Int32, ValueKind.Int32], [ValueKind.Int64]), StringComparison.Ordinal))
                    throw new UsageException(
                        $"'{name}' imports grid.complete as {Signature(function.Parameters, function.Results)}; the host provides grid.complete(i32, i32) -> i64");
                importsGrid = true;
                continue;
            }
            // AssemblyScript's default runtime imports env.abort (and others); say how to drop them.
            var hint = import.ModuleName == "env" && import.Name is "abort" or "trace" or "seed"
                ? " (AssemblyScript: build with --runtime stub --use abort=)"
                : "";
            throw new UsageException(
                $"'{name}' imports {import.ModuleName}.{import.Name}; a module may import only grid.complete(i32, i32) -> i64{hint}");
        }
        return new GuestModule(bytes, fromText, importsGrid);
    }

    private static void CheckFunction(string name, Dictionary<string, Export> exports, string export, ValueKind[] parameters, ValueKind[] results)
    {
        var wanted = Signature(parameters, results);
        if (!exports.TryGetValue(export, out var found))
            throw new UsageException($"'{name}' does not export {export}; {AbiSummary}");
        if (found is not FunctionExport function)
            throw new UsageException($"'{name}' exports {export} as a {Kind(found)}, not a function {wanted}; {AbiSummary}");
        var actual = Signature(function.Parameters, function.Results);
        if (!actual.Equals(wanted, StringComparison.Ordinal))
            throw new UsageException($"'{name}' exports {export} as {actual}; the guest ABI needs {export}{wanted}");
    }

    /// <summary>A signature as WAT writes its types: <c>(i32, i32) -> i64</c>.</summary>
    private static string Signature(IReadOnlyList<ValueKind> parameters, IReadOnlyList<ValueKind> results) =>
        $"({string.Join(", ", parameters.Select(TypeName))}) -> {(results.Count == 1 ? TypeName(results[0]) : "(" + string.Join(", ", results.Select(TypeName)) + ")")}";

    private static string TypeName(ValueKind kind) => kind switch
    {
        ValueKind.Int32 => "i32",
        ValueKind.Int64 => "i64",
        ValueKind.Float32 => "f32",
        ValueKind.Float64 => "f64",
        ValueKind.V128 => "v128",
        _ => kind.ToString(),
    };

    private static string Kind(Export export) => export switch
    {
        FunctionExport => "function",
        MemoryExport => "memory",
        GlobalExport => "global",
        TableExport => "table",
        _ => export.GetType().Name,
    };

    private static byte[] ConvertText(string path, byte[] content)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            throw new UsageException($"'{path}' is neither WebAssembly (it does not start with '\\0asm') nor WAT text (it is not UTF-8)");
        }
        try
        {
            return Module.ConvertText(text);
        }
        catch (WasmtimeException e)
        {
            // Wasmtime's message names the line and column of the fault, with the line quoted below it.
            throw new UsageException($"'{path}' is not valid WAT: {Output.OneLine.Of(e.Message, 400)}", e);
        }
    }

    private static string Describe(byte[] content) =>
        content.Length == 0 ? "nothing (it is empty)" : string.Join(' ', content.Take(4).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
