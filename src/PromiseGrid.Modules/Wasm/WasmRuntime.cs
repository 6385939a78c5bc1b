using System.Diagnostics;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Tracing;
using Wasmtime;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// One Wasmtime engine and what goes with it: the linker that offers guests grid.complete, the
/// timer that ticks the engine's epoch while guests run, and the limits of wasm.conf. Compiles
/// guests (<see cref="Compile"/>) and runs one request in a fresh store (<see cref="Run"/>),
/// synchronously on the calling thread: call it from a <see cref="WasmWorkers"/> thread.
/// </summary>
/// <remarks>
/// <para>Instances come from Wasmtime's pooling allocator, sized by <c>max-instances</c>: a fresh
/// store per request then costs a few microseconds instead of mapping and unmapping memory
/// (about 3 times faster here per request). A store never outlives its request, so nothing a
/// guest leaves in memory reaches the next requester.</para>
/// <para>A freed slot's memory goes back to its initial contents (the module's copy-on-write
/// image of its data segments) before the next instance gets it. Wasmtime does that by
/// decommitting the pages (madvise), which costs a system call, a TLB shootdown on every core
/// and a page fault on the next request's first write; the first <see cref="KeepResidentBytes"/>
/// of each slot are zeroed in place instead, which halves a small guest's cost per request
/// (README "WebAssembly modules").</para>
/// </remarks>
internal sealed class WasmRuntime : IDisposable
{
    /// <summary>Memory (and table) bytes of a freed slot reset in place instead of decommitted: one WebAssembly page.</summary>
    public const int KeepResidentBytes = WasmSettings.PageBytes;

    private readonly WasmSettings _settings;
    private readonly int _maxOutputBytes;
    private readonly Engine _engine;
    private readonly Linker _linker;
    private readonly Timer _ticker;
    private readonly object _tickGate = new();
    private int _running;
    private bool _disposed;

    public WasmRuntime(WasmSettings settings, int maxSequenceBytes)
    {
        _settings = settings;
        _maxOutputBytes = Math.Min(settings.MaxOutputBytes, maxSequenceBytes);
        var pool = new PoolingAllocationConfig()
            .WithMaxCoreInstances((uint)settings.MaxInstances)
            .WithMaxMemories((uint)settings.MaxInstances)
            .WithMaxTables((uint)settings.MaxInstances)
            .WithMaxMemorySize((nuint)settings.MaxMemoryBytes)
            .WithLinearMemoryKeepResidentBytes(KeepResidentBytes)
            .WithTableKeepResidentBytes(KeepResidentBytes);
        using var config = new Config()
            .WithFuelConsumption(true)
            .WithEpochInterruption(true)
            .WithMemoryInitCopyOnWrite(true)
            .WithPoolingAllocationStrategy(pool);
        _engine = new Engine(config);
        _linker = new Linker(_engine);
        _linker.DefineFunction(GuestAbi.ImportModule, GuestAbi.ImportName, (Caller caller, int pointer, int length) => CompleteForGuest(caller, pointer, length));
        _ticker = new Timer(_ => _engine.IncrementEpoch());
    }

    /// <summary>Largest output a guest may return: max-output-bytes, within the kernel's max-sequence-bytes.</summary>
    public int MaxOutputBytes => _maxOutputBytes;

    /// <inheritdoc cref="GuestModule.Compile"/>
    public GuestModule Compile(Cid cid, ReadOnlySpan<byte> bytes) => GuestModule.Compile(_engine, cid, bytes, _settings);

    /// <summary>Runs the guest on <paramref name="input"/> in a fresh store and returns its output.</summary>
    /// <exception cref="CompletionRefusedException">Every way the run can fail, with its status and reason.</exception>
    public Sequence Run(GuestModule module, Sequence input, GuestCall call)
    {
        var started = Stopwatch.GetTimestamp();
        Memory? memory = null;
        // Disposed in finally, not by a using in the try: explaining a trap still reads its memory.
        var store = new Wasmtime.Store(_engine, call);
        StartTicking();
        try
        {
            store.SetLimits(memorySize: _settings.MaxMemoryBytes);
            store.Fuel = (ulong)_settings.MaxFuel;
            store.SetEpochDeadline(TicksUntil(call.Deadline));
            var instance = _linker.Instantiate(store, module.Compiled);
            memory = instance.GetMemory(GuestAbi.MemoryExport)!;
            var alloc = instance.GetFunction<int, int>(GuestAbi.AllocExport)!;
            var complete = instance.GetFunction<int, int, long>(GuestAbi.CompleteExport)!;

            var inputAt = alloc(input.Length);
            if (!Fits(memory, inputAt, input.Length))
                throw Failed(call, $"grid_alloc({input.Length}) returned {inputAt}, no room for the input in its memory of {memory.GetLength()} bytes");
            input.Span.CopyTo(memory.GetSpan(inputAt, input.Length));

            var result = complete(inputAt, input.Length);
            if (result < 0) throw GuestRefusal(call, result);
            var (outputAt, length) = GuestAbi.Unpack(result);
            if (length > _maxOutputBytes)
                throw new CompletionRefusedException(CompletionStatus.TooLarge,
                    $"wasm: module {call.Module.Cid} returned {length} bytes, over the limit of {_maxOutputBytes} (promisegrid.wasm.max-output-bytes, max-sequence-bytes)");
            if (!Fits(memory, outputAt, length))
                throw Failed(call, $"grid_complete returned output at {outputAt} of {length} bytes, outside its memory of {memory.GetLength()} bytes");
            return new Sequence(memory.GetSpan((long)outputAt, (int)length).ToArray());
        }
        catch (WasmtimeException error)
        {
            throw Explain(error, call, memory, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            store.Dispose();
            StopTicking();
        }
    }

    /// <summary>The host side of the guest's grid.complete import; runs on the guest's worker thread.</summary>
    private long CompleteForGuest(Caller caller, int pointer, int length)
    {
        var call = (GuestCall)caller.GetData()!;
        var memory = caller.GetMemory(GuestAbi.MemoryExport)!;
        if (!Fits(memory, pointer, length))
            throw Failed(call, $"grid.complete({pointer}, {length}) points outside its memory of {memory.GetLength()} bytes");
        var sequence = new Sequence(memory.GetSpan(pointer, length).ToArray());
        var left = call.Deadline - DateTimeOffset.UtcNow;
        Completion completion;
        if (left <= TimeSpan.Zero)
        {
            completion = Completion.Failed(0, CompletionStatus.BrokenPromise, "wasm", "no time left before the request's deadline");
        }
        else
        {
            // Blocks this worker thread (a guest cannot await); the workers let another guest
            // run meanwhile. The execution context carries the request's hops into the call.
            // A span for the guest's call (null when tracing is off), the parent of the grid call's own.
            using var span = GridActivitySources.WasmSource.StartActivity("wasm grid.complete", ActivityKind.Internal);
            using (call.Workers.Blocking())
                completion = call.Grid.CompleteAsync(sequence, left).GetAwaiter().GetResult();
            if (completion.Status != CompletionStatus.Completed) span?.SetStatus(ActivityStatusCode.Error, completion.Status.ToString());
        }
        if (completion.Status != CompletionStatus.Completed)
        {
            call.LastFailure = (sequence, completion.Status, completion.Reason);
            return GuestAbi.ErrorCode(completion.Status);
        }

        var bytes = completion.Bytes;
        var alloc = caller.GetFunction(GuestAbi.AllocExport)!;
        var at = alloc.Invoke(bytes.Length) is int allocated ? allocated : -1;
        memory = caller.GetMemory(GuestAbi.MemoryExport)!; // grid_alloc may have grown it
        if (!Fits(memory, at, bytes.Length)) return GuestAbi.AllocFailed;
        bytes.Span.CopyTo(memory.GetSpan(at, bytes.Length));
        return GuestAbi.Pack(at, bytes.Length);
    }

    private static bool Fits(Memory memory, long pointer, long length) =>
        pointer >= 0 && length >= 0 && pointer + length <= memory.GetLength();

    /// <summary>A negative result from grid_complete: the guest fails the request, maybe passing on its grid.complete's failure.</summary>
    private static CompletionRefusedException GuestRefusal(GuestCall call, long code)
    {
        var status = GuestAbi.StatusOf(code);
        if (status is { } named && named != CompletionStatus.Completed)
        {
            var passedOn = call.LastFailure is { } failure && failure.Status == named
                ? $"{PassingOn}{failure.Sequence.ToString(64)}'): {RootCause(failure.Reason ?? "")}"
                : "";
            return new CompletionRefusedException(named, $"wasm: module {call.Module.Cid} failed with code {code} ({named}){passedOn}");
        }
        return Failed(call, $"grid_complete returned {code}, a negative code that names no status{call.LastFailureText()}");
    }

    private const string PassingOn = ", passing on the failure of its grid.complete('";

    /// <summary>
    /// The cause at the end of a chain of guests passing a failure on (a guest calling itself
    /// 16 deep): each link's own words would bury it, so only the first guest's and the cause are kept.
    /// </summary>
    private static string RootCause(string reason)
    {
        while (reason.StartsWith("wasm: module ", StringComparison.Ordinal))
        {
            var at = reason.IndexOf(PassingOn, StringComparison.Ordinal);
            var end = at < 0 ? -1 : reason.IndexOf("'): ", at + PassingOn.Length, StringComparison.Ordinal);
            if (end < 0) break;
            reason = reason[(end + 4)..];
        }
        return WasmErrors.Cap(reason);
    }

    private static CompletionRefusedException Failed(GuestCall call, string what) =>
        new(CompletionStatus.ModuleFailed, $"wasm: module {call.Module.Cid}: {what}");

    /// <summary>A trap, an exhausted limit or a host-function failure, as the status and reason the requester gets.</summary>
    private CompletionRefusedException Explain(WasmtimeException error, GuestCall call, Memory? memory, TimeSpan elapsed)
    {
        // A host function (grid.complete) that threw: its own reason, unwrapped.
        for (Exception? inner = error.InnerException; inner is not null; inner = inner.InnerException)
            if (inner is CompletionRefusedException refused) return refused;

        var cid = call.Module.Cid;
        var trap = error as TrapException ?? error.InnerException as TrapException;
        var memoryNote = memory is not null && memory.GetLength() + WasmSettings.PageBytes > _settings.MaxMemoryBytes
            ? $"; its memory is at the limit of {_settings.MaxMemoryPages} pages (promisegrid.wasm.max-memory-pages), so a memory.grow was refused"
            : "";
        switch (trap?.Type)
        {
            case TrapCode.OutOfFuel:
                return new(CompletionStatus.ModuleFailed,
                    $"wasm: module {cid} ran out of fuel: it used all {_settings.MaxFuel} units (about one per instruction; promisegrid.wasm.max-fuel){memoryNote}");
            case TrapCode.Interrupt when call.DeadlineIsRequests:
                return new(CompletionStatus.BrokenPromise,
                    $"wasm: module {cid} was still running at the request's deadline, after {elapsed.TotalMilliseconds:F0} ms");
            case TrapCode.Interrupt:
                return new(CompletionStatus.ModuleFailed,
                    $"wasm: module {cid} ran longer than the timeout of {_settings.Timeout.TotalMilliseconds:F0} ms (promisegrid.wasm.timeout)");
        }
        // TooDeep is the chain's fault, not this guest's: a guest that traps on it still says so.
        var status = call.LastFailure?.Status == CompletionStatus.TooDeep ? CompletionStatus.TooDeep : CompletionStatus.ModuleFailed;
        var what = trap is not null ? "trapped" : memory is null ? "could not be instantiated" : "failed";
        return new(status, $"wasm: module {cid} {what}: {WasmErrors.OneLine(error.Message)}{memoryNote}{call.LastFailureText()}");
    }

    /// <summary>Epoch ticks from now until <paramref name="deadline"/>, rounded up, plus one for the tick in progress.</summary>
    private ulong TicksUntil(DateTimeOffset deadline)
    {
        var left = deadline - DateTimeOffset.UtcNow;
        if (left <= TimeSpan.Zero) return 1;
        return (ulong)Math.Ceiling(left / _settings.EpochTick) + 1;
    }

    private void StartTicking()
    {
        lock (_tickGate)
        {
            if (_running++ == 0 && !_disposed) _ticker.Change(_settings.EpochTick, _settings.EpochTick);
        }
    }

    private void StopTicking()
    {
        lock (_tickGate)
        {
            if (--_running == 0 && !_disposed) _ticker.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }

    public void Dispose()
    {
        lock (_tickGate)
        {
            if (_disposed) return;
            _disposed = true;
            _ticker.Dispose();
            // A guest still running keeps the engine (and its compiled modules) alive; the
            // finalizers release them once it is done.
            if (_running > 0) return;
        }
        _linker.Dispose();
        _engine.Dispose();
    }
}
