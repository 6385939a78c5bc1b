using PromiseGrid.Core;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// One request's run of a guest, as the host functions see it (the Wasmtime store's data):
/// the grid to complete grid.complete's sequences on, the deadline they share, and the last
/// of them that failed, so the request's reason can name it.
/// </summary>
internal sealed class GuestCall(GuestModule module, IGrid grid, WasmWorkers workers, DateTimeOffset deadline, bool deadlineIsRequests)
{
    public GuestModule Module { get; } = module;

    public IGrid Grid { get; } = grid;

    public WasmWorkers Workers { get; } = workers;

    /// <summary>The nearer of the request's deadline and the wasm timeout.</summary>
    public DateTimeOffset Deadline { get; } = deadline;

    /// <summary>True when <see cref="Deadline"/> is the request's own (passing it is a broken promise, not a guest fault).</summary>
    public bool DeadlineIsRequests { get; } = deadlineIsRequests;

    /// <summary>The last grid.complete whose completion failed, with how.</summary>
    public (Sequence Sequence, CompletionStatus Status, string? Reason)? LastFailure { get; set; }

    /// <summary>What grid.complete threw, kept for the run to throw: no exception may cross Wasmtime's native frames.</summary>
    public Exception? HostFailure { get; set; }

    /// <summary>", after grid.complete('...') failed: Status: reason", or empty.</summary>
    public string LastFailureText() => LastFailure is { } failure
        ? $"; its grid.complete('{failure.Sequence.ToString(64)}') had failed: {failure.Status}: {WasmErrors.Cap(failure.Reason ?? "")}"
        : "";
}
