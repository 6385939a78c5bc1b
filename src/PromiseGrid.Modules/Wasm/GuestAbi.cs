using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// The contract between the wasm module (the host) and a guest WebAssembly module; README
/// "WebAssembly modules" documents it for guest authors, and the tests fix it.
/// <list type="bullet">
/// <item>The guest exports <c>memory</c>, <c>grid_alloc(len: i32) -> i32</c> (a buffer of
/// <c>len</c> bytes the host may write) and <c>grid_complete(ptr: i32, len: i32) -> i64</c>.</item>
/// <item>The host writes the input into a buffer from <c>grid_alloc</c>, calls
/// <c>grid_complete</c>, and reads the output at <c>(result &gt;&gt; 32, result &amp; 0xffffffff)</c>
/// = (pointer, length). A negative result fails the request instead: <c>-s</c> with
/// <c>s</c> a <see cref="CompletionStatus"/> fails it with that status, anything else with
/// ModuleFailed. A guest thus passes on a failure of its own grid.complete by returning it.</item>
/// <item>The only import a guest may have is <c>grid.complete(ptr: i32, len: i32) -> i64</c>:
/// the host completes the sequence at (ptr, len) through the grid, copies the completion into a
/// buffer from the guest's <c>grid_alloc</c>, and returns it packed the same way; or a negative
/// value: <c>-s</c> for a completion that failed with status <c>s</c> (NoRoute -1, Denied -2,
/// BrokenPromise -3, ModuleFailed -4, TooLarge -5, Overloaded -6, BadRequest -7, TooDeep -8),
/// or <see cref="AllocFailed"/>.</item>
/// </list>
/// </summary>
internal static class GuestAbi
{
    public const string MemoryExport = "memory";
    public const string AllocExport = "grid_alloc";
    public const string CompleteExport = "grid_complete";
    public const string ImportModule = "grid";
    public const string ImportName = "complete";

    /// <summary>grid.complete's answer when the guest's grid_alloc gave no room for the completion (a pointer outside memory).</summary>
    public const long AllocFailed = -100;

    /// <summary>The i64 a guest returns for output at <paramref name="pointer"/>, <paramref name="length"/> bytes long.</summary>
    public static long Pack(int pointer, int length) => ((long)(uint)pointer << 32) | (uint)length;

    /// <summary>Pointer and length of a non-negative packed result.</summary>
    public static (uint Pointer, uint Length) Unpack(long result) => ((uint)(result >> 32), (uint)result);

    /// <summary>grid.complete's answer for a completion that failed with <paramref name="status"/>.</summary>
    public static long ErrorCode(CompletionStatus status) => -(long)status;

    /// <summary>The status a guest's negative result names, or null when it names none.</summary>
    public static CompletionStatus? StatusOf(long negative) =>
        negative is < 0 and >= -(long)CompletionStatus.TooDeep && Enum.IsDefined((CompletionStatus)(-negative))
            ? (CompletionStatus)(-negative)
            : null;
}
