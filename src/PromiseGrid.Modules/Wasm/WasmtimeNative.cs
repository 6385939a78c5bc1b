using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmtime;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// The Wasmtime C API calls of a request's hot path, bound by hand: the .NET binding
/// (Wasmtime 50.0.1) has no <c>InstancePre</c>, allocates three <c>ConcurrentDictionary</c>s per
/// store and builds a typed delegate per export per request (README "Performance >
/// WebAssembly modules"). The native library is the binding's own (its package ships it), and
/// the engine and compiled module are the binding's, reached through their handles
/// (<see cref="EngineHandle"/>, <see cref="ModuleHandle"/>).
/// </summary>
/// <remarks>
/// Layouts follow the C API headers (crates/c-api/include/wasmtime of the Wasmtime repository):
/// <c>wasmtime_instance_t</c>, <c>wasmtime_func_t</c>, <c>wasmtime_memory_t</c>,
/// <c>wasmtime_extern_t</c>, <c>wasmtime_val_raw_t</c>. Functions and memories are plain indices
/// into their store, so an extern read here needs no <c>wasmtime_extern_delete</c>.
/// </remarks>
internal static unsafe class WasmtimeNative
{
    private const string Library = "wasmtime";

    public const byte ExternFunc = 0;
    public const byte ExternMemory = 3;

    [StructLayout(LayoutKind.Sequential)]
    public struct Instance
    {
        public ulong StoreId;
        public nuint Private;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Func
    {
        public ulong StoreId;
        public nint Private;
    }

    [StructLayout(LayoutKind.Explicit, Size = 24)]
    public struct Memory
    {
        [FieldOffset(0)] public ulong StoreId;
    }

    /// <summary><c>wasmtime_extern_t</c>: a kind byte, then a union whose largest member is 24 bytes; room to spare.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct Extern
    {
        [FieldOffset(0)] public byte Kind;
        [FieldOffset(8)] public Func Func;
        [FieldOffset(8)] public Memory Memory;
    }

    /// <summary><c>wasmtime_val_raw_t</c>: 16 bytes, an i32 or i64 in its first bytes (little-endian).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct ValRaw
    {
        [FieldOffset(0)] public int I32;
        [FieldOffset(0)] public long I64;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Vec
    {
        public nuint Size;
        public byte* Data;
    }

    // The binding's handles are internal; UnsafeAccessor reaches them without reflection. The
    // Wasm tests fail at once should a binding update rename them.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_NativeHandle")]
    [return: UnsafeAccessorType("Wasmtime.Engine+Handle, Wasmtime.Dotnet")]
    private static extern object EngineHandleOf(Engine engine);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_NativeHandle")]
    [return: UnsafeAccessorType("Wasmtime.Module+Handle, Wasmtime.Dotnet")]
    private static extern object ModuleHandleOf(Wasmtime.Module module);

    /// <summary>The binding's handle of <paramref name="engine"/>: valid while the engine is not disposed.</summary>
    public static SafeHandle EngineHandle(Engine engine) => (SafeHandle)EngineHandleOf(engine);

    /// <summary>The binding's handle of <paramref name="module"/>: valid while the module is not disposed.</summary>
    public static SafeHandle ModuleHandle(Wasmtime.Module module) => (SafeHandle)ModuleHandleOf(module);

    /// <summary>A linker that offers guests one host function, <c>grid.complete</c>.</summary>
    public static LinkerHandle NewLinker(SafeHandle engine, string module, string name,
        delegate* unmanaged<nint, nint, ValRaw*, nuint, nint> callback)
    {
        var added = false;
        engine.DangerousAddRef(ref added);
        try
        {
            var linker = new LinkerHandle(wasmtime_linker_new(engine.DangerousGetHandle()));
            // (i32, i32) -> i64: wasm_functype_new takes the vectors, and the linker copies the type.
            Vec parameters, results;
            var i32 = stackalloc nint[] { wasm_valtype_new(0), wasm_valtype_new(0) };
            var i64 = stackalloc nint[] { wasm_valtype_new(1) };
            wasm_valtype_vec_new(&parameters, 2, i32);
            wasm_valtype_vec_new(&results, 1, i64);
            var type = wasm_functype_new(&parameters, &results);
            try
            {
                var moduleBytes = Encoding.UTF8.GetBytes(module);
                var nameBytes = Encoding.UTF8.GetBytes(name);
                fixed (byte* m = moduleBytes)
                fixed (byte* n = nameBytes)
                    ThrowIfError(wasmtime_linker_define_func_unchecked(linker.DangerousGetHandle(), m, (nuint)moduleBytes.Length,
                        n, (nuint)nameBytes.Length, type, callback, 0, 0));
            }
            catch
            {
                linker.Dispose();
                throw;
            }
            finally
            {
                wasm_functype_delete(type);
            }
            return linker;
        }
        finally
        {
            if (added) engine.DangerousRelease();
        }
    }

    /// <summary>The module's imports resolved against <paramref name="linker"/> once, so each request only instantiates.</summary>
    /// <exception cref="WasmtimeException">An import the linker does not define.</exception>
    public static InstancePreHandle InstantiatePre(LinkerHandle linker, SafeHandle module)
    {
        var added = false;
        module.DangerousAddRef(ref added);
        try
        {
            nint pre;
            ThrowIfError(wasmtime_linker_instantiate_pre(linker.DangerousGetHandle(), module.DangerousGetHandle(), &pre));
            return new InstancePreHandle(pre);
        }
        finally
        {
            if (added) module.DangerousRelease();
        }
    }

    /// <summary>The message of <paramref name="error"/> (a <c>wasmtime_error_t*</c>), which this deletes.</summary>
    public static string TakeErrorMessage(nint error)
    {
        Vec message;
        wasmtime_error_message(error, &message);
        var text = Text(message);
        wasm_byte_vec_delete(&message);
        wasmtime_error_delete(error);
        return text;
    }

    /// <summary>The message and trap code of <paramref name="trap"/> (a <c>wasm_trap_t*</c>), which this deletes.</summary>
    public static (string Message, TrapCode? Code) TakeTrap(nint trap)
    {
        Vec message;
        wasm_trap_message(trap, &message);
        var text = Text(message);
        wasm_byte_vec_delete(&message);
        byte code;
        TrapCode? trapCode = wasmtime_trap_code(trap, &code) != 0 ? (TrapCode)code : null;
        wasm_trap_delete(trap);
        return (text, trapCode);
    }

    /// <summary>A trap a host function returns to fail the guest's call with <paramref name="message"/>.</summary>
    public static nint NewTrap(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        fixed (byte* m = bytes) return wasmtime_trap_new(m, (nuint)bytes.Length);
    }

    private static string Text(Vec vec) => vec.Size == 0 ? "" : Encoding.UTF8.GetString(vec.Data, (int)vec.Size).TrimEnd('\0');

    private static void ThrowIfError(nint error)
    {
        if (error != 0) throw new WasmtimeException(TakeErrorMessage(error));
    }

    /// <summary>A <c>wasmtime_linker_t*</c>.</summary>
    public sealed class LinkerHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public LinkerHandle(nint handle) : base(ownsHandle: true) => SetHandle(handle);

        protected override bool ReleaseHandle()
        {
            wasmtime_linker_delete(handle);
            return true;
        }
    }

    /// <summary>A <c>wasmtime_instance_pre_t*</c>: a module with its imports resolved, shared by every request for it.</summary>
    public sealed class InstancePreHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public InstancePreHandle(nint handle) : base(ownsHandle: true) => SetHandle(handle);

        protected override bool ReleaseHandle()
        {
            wasmtime_instance_pre_delete(handle);
            return true;
        }
    }

    [DllImport(Library)] private static extern nint wasmtime_linker_new(nint engine);
    [DllImport(Library)] private static extern void wasmtime_linker_delete(nint linker);
    [DllImport(Library)] private static extern nint wasmtime_linker_define_func_unchecked(nint linker, byte* module, nuint moduleLength,
        byte* name, nuint nameLength, nint type, delegate* unmanaged<nint, nint, ValRaw*, nuint, nint> callback, nint data, nint finalizer);
    [DllImport(Library)] private static extern nint wasmtime_linker_instantiate_pre(nint linker, nint module, nint* instancePre);
    [DllImport(Library)] private static extern void wasmtime_instance_pre_delete(nint instancePre);
    [DllImport(Library)] public static extern nint wasmtime_instance_pre_instantiate(nint instancePre, nint context, Instance* instance, nint* trap);
    [DllImport(Library)] public static extern byte wasmtime_instance_export_get(nint context, Instance* instance, byte* name, nuint nameLength, Extern* item);

    [DllImport(Library)] private static extern nint wasm_valtype_new(byte kind);
    [DllImport(Library)] private static extern void wasm_valtype_vec_new(Vec* vec, nuint size, nint* data);
    [DllImport(Library)] private static extern nint wasm_functype_new(Vec* parameters, Vec* results);
    [DllImport(Library)] private static extern void wasm_functype_delete(nint type);

    [DllImport(Library)] public static extern nint wasmtime_store_new(nint engine, nint data, nint finalizer);
    [DllImport(Library)] public static extern nint wasmtime_store_context(nint store);
    [DllImport(Library)] public static extern void wasmtime_store_delete(nint store);
    [DllImport(Library)] public static extern void wasmtime_store_limiter(nint store, long memorySize, long tableElements, long instances, long tables, long memories);
    [DllImport(Library)] public static extern nint wasmtime_context_get_data(nint context);
    [DllImport(Library)] public static extern nint wasmtime_context_set_fuel(nint context, ulong fuel);
    [DllImport(Library)] public static extern void wasmtime_context_set_epoch_deadline(nint context, ulong ticksBeyondCurrent);

    [DllImport(Library)] public static extern nint wasmtime_func_call_unchecked(nint context, Func* func, ValRaw* argsAndResults, nuint length, nint* trap);
    [DllImport(Library)] public static extern byte* wasmtime_memory_data(nint context, Memory* memory);
    [DllImport(Library)] public static extern nuint wasmtime_memory_data_size(nint context, Memory* memory);
    [DllImport(Library)] public static extern nint wasmtime_caller_context(nint caller);
    [DllImport(Library)] public static extern byte wasmtime_caller_export_get(nint caller, byte* name, nuint nameLength, Extern* item);

    [DllImport(Library)] private static extern void wasmtime_error_message(nint error, Vec* message);
    [DllImport(Library)] private static extern void wasmtime_error_delete(nint error);
    [DllImport(Library)] private static extern void wasm_trap_message(nint trap, Vec* message);
    [DllImport(Library)] private static extern byte wasmtime_trap_code(nint trap, byte* code);
    [DllImport(Library)] private static extern void wasm_trap_delete(nint trap);
    [DllImport(Library)] private static extern nint wasmtime_trap_new(byte* message, nuint length);
    [DllImport(Library)] private static extern void wasm_byte_vec_delete(Vec* vec);
}
