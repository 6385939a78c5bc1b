using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
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
/// synchronously on the calling thread: call it from a <see cref="WasmWorkers"/> thread (or,
/// for a guest that imports nothing, anywhere: <see cref="TryRunInline"/>).
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
/// <para>A request's calls into Wasmtime go straight to its C API (<see cref="WasmtimeNative"/>):
/// the instance comes from the module's <c>InstancePre</c>, the exports are called unchecked
/// (their types were checked at compile), and grid.complete is an unmanaged callback that finds
/// its request through the store's data (a GC handle to the <see cref="GuestCall"/>).</para>
/// </remarks>
internal sealed class WasmRuntime : IDisposable
{
    /// <summary>Memory (and table) bytes of a freed slot reset in place instead of decommitted: one WebAssembly page.</summary>
    public const int KeepResidentBytes = WasmSettings.PageBytes;

    private readonly WasmSettings _settings;
    private readonly int _maxOutputBytes;
    private readonly Engine _engine;
    private readonly nint _engineHandle;
    private readonly WasmtimeNative.LinkerHandle _linker;
    private readonly Timer _ticker;
    private readonly object _tickGate = new();
    private int _running;
    private int _ticking;
    private bool _disposed;

    public WasmRuntime(WasmSettings settings, int maxSequenceBytes)
    {
        _settings = settings;
        _maxOutputBytes = Math.Min(settings.MaxOutputBytes, maxSequenceBytes);
        // One slot more than the workers' threads: for the guest run on the module's own thread (TryRunInline).
        var slots = (uint)settings.MaxInstances + 1;
        var pool = new PoolingAllocationConfig()
            .WithMaxCoreInstances(slots)
            .WithMaxMemories(slots)
            .WithMaxTables(slots)
            .WithMaxMemorySize((nuint)settings.MaxMemoryBytes)
            .WithLinearMemoryKeepResidentBytes(KeepResidentBytes)
            .WithTableKeepResidentBytes(KeepResidentBytes);
        using var config = new Config()
            .WithFuelConsumption(true)
            .WithEpochInterruption(true)
            .WithMemoryInitCopyOnWrite(true)
            .WithPoolingAllocationStrategy(pool);
        _engine = new Engine(config);
        // Valid until _engine is disposed, which waits for the last running guest (Dispose).
        _engineHandle = WasmtimeNative.EngineHandle(_engine).DangerousGetHandle();
        unsafe
        {
            _linker = WasmtimeNative.NewLinker(WasmtimeNative.EngineHandle(_engine), GuestAbi.ImportModule, GuestAbi.ImportName, &GridComplete);
        }
        _ticker = new Timer(_ => Tick());
    }

    /// <summary>Largest output a guest may return: max-output-bytes, within the kernel's max-sequence-bytes.</summary>
    public int MaxOutputBytes => _maxOutputBytes;

    /// <inheritdoc cref="GuestModule.Compile"/>
    public GuestModule Compile(Cid cid, ReadOnlySpan<byte> bytes) => GuestModule.Compile(_engine, _linker, cid, bytes, _settings);

    /// <summary>Runs the guest on <paramref name="input"/> in a fresh store and returns its output.</summary>
    /// <exception cref="CompletionRefusedException">Every way the run can fail, with its status and reason.</exception>
    public Sequence Run(GuestModule module, Sequence input, GuestCall call) =>
        RunIn(module, input, call, (ulong)_settings.MaxFuel, TicksUntil(call.Deadline), inline: false)!.Value;

    /// <summary>
    /// Runs a guest that imports nothing on the calling thread (the module actor's) with
    /// <see cref="WasmSettings.InlineFuel"/> and one to two epoch ticks, instead of handing it to
    /// a worker thread and back; null when it needs more of either.
    /// </summary>
    /// <remarks>
    /// Running such a guest again from the start is safe: without imports it cannot call
    /// grid.complete, so its output is all it does, and a fresh instance of a pure function run
    /// twice answers once. A guest that may call grid.complete never runs here: it would block
    /// the actor's thread on the grid. The fuel bounds the instructions and the epoch deadline the
    /// rest (a memory.fill or memory.grow costs one unit of fuel whatever its size), so the actor's
    /// thread is held at most about two epoch ticks.
    /// </remarks>
    /// <exception cref="CompletionRefusedException">Every way the run can fail within its budget, as <see cref="Run(GuestModule, Sequence, GuestCall)"/>.</exception>
    public Sequence? TryRunInline(GuestModule module, Sequence input, GuestCall call)
    {
        if (!module.ImportsNothing || _settings.InlineFuel == 0) return null;
        return RunIn(module, input, call, (ulong)Math.Min(_settings.InlineFuel, _settings.MaxFuel), Math.Min(TicksUntil(call.Deadline), 2), inline: true);
    }

    private unsafe Sequence? RunIn(GuestModule module, Sequence input, GuestCall call, ulong fuel, ulong ticks, bool inline)
    {
        var started = Stopwatch.GetTimestamp();
        StartTicking();
        // The store's data: how grid.complete, called back from native code, finds this request.
        var data = GCHandle.Alloc(call);
        var store = WasmtimeNative.wasmtime_store_new(_engineHandle, GCHandle.ToIntPtr(data), 0);
        // A store never escapes this method, so it is deleted in finally rather than wrapped in a SafeHandle.
        var guest = new Guest(WasmtimeNative.wasmtime_store_context(store));
        try
        {
            WasmtimeNative.wasmtime_store_limiter(store, _settings.MaxMemoryBytes, -1, -1, -1, -1);
            Check(call, guest, WasmtimeNative.wasmtime_context_set_fuel(guest.Context, fuel), 0);
            WasmtimeNative.wasmtime_context_set_epoch_deadline(guest.Context, ticks);
            WasmtimeNative.Instance instance;
            nint trap;
            Check(call, guest, WasmtimeNative.wasmtime_instance_pre_instantiate(module.Pre.DangerousGetHandle(), guest.Context, &instance, &trap), trap);
            // CheckExports made sure of the kinds and types: the calls below may skip Wasmtime's checks.
            WasmtimeNative.Extern alloc, complete, memory;
            ExportOf(guest.Context, &instance, "memory"u8, &memory);
            guest.Memory = memory.Memory;
            guest.HasMemory = true;
            ExportOf(guest.Context, &instance, "grid_alloc"u8, &alloc);
            ExportOf(guest.Context, &instance, "grid_complete"u8, &complete);

            var values = stackalloc WasmtimeNative.ValRaw[2];
            values[0] = default;
            values[0].I32 = input.Length;
            Check(call, guest, WasmtimeNative.wasmtime_func_call_unchecked(guest.Context, &alloc.Func, values, 1, &trap), trap);
            var inputAt = values[0].I32;
            if (!Fits(guest, inputAt, input.Length))
                throw Failed(call, $"grid_alloc({input.Length}) returned {inputAt}, no room for the input in its memory of {guest.MemoryBytes} bytes");
            input.Span.CopyTo(guest.Span(inputAt, input.Length));

            values[0] = default;
            values[0].I32 = inputAt;
            values[1] = default;
            values[1].I32 = input.Length;
            Check(call, guest, WasmtimeNative.wasmtime_func_call_unchecked(guest.Context, &complete.Func, values, 2, &trap), trap);
            var result = values[0].I64;
            if (result < 0) throw GuestRefusal(call, result);
            var (outputAt, length) = GuestAbi.Unpack(result);
            if (length > _maxOutputBytes)
                throw new CompletionRefusedException(CompletionStatus.TooLarge,
                    $"wasm: module {call.Module.Cid} returned {length} bytes, over the limit of {_maxOutputBytes} (promisegrid.wasm.max-output-bytes, max-sequence-bytes)");
            if (!Fits(guest, outputAt, length))
                throw Failed(call, $"grid_complete returned output at {outputAt} of {length} bytes, outside its memory of {guest.MemoryBytes} bytes");
            return new Sequence(guest.Span(outputAt, (int)length).ToArray());
        }
        catch (WasmtimeFault fault) when (inline && fault.Trap is TrapCode.OutOfFuel or TrapCode.Interrupt)
        {
            return null;
        }
        catch (WasmtimeFault fault)
        {
            throw Explain(fault, call, guest, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            WasmtimeNative.wasmtime_store_delete(store);
            data.Free();
            StopTicking();
        }
    }

    /// <summary>A run's store context and, once instantiated, the guest's memory.</summary>
    private unsafe struct Guest(nint context)
    {
        public readonly nint Context = context;
        public WasmtimeNative.Memory Memory;
        public bool HasMemory;

        /// <summary>The memory's size now (a call may have grown it); 0 before instantiation.</summary>
        public readonly long MemoryBytes
        {
            get
            {
                if (!HasMemory) return 0;
                var memory = Memory;
                return (long)WasmtimeNative.wasmtime_memory_data_size(Context, &memory);
            }
        }

        /// <summary>Bytes of the memory at <paramref name="at"/>; only after <see cref="Fits"/> said they are in it.</summary>
        public readonly Span<byte> Span(long at, int length)
        {
            var memory = Memory;
            return new Span<byte>(WasmtimeNative.wasmtime_memory_data(Context, &memory) + at, length);
        }
    }

    private static unsafe void ExportOf(nint context, WasmtimeNative.Instance* instance, ReadOnlySpan<byte> name, WasmtimeNative.Extern* item)
    {
        fixed (byte* n = name)
            if (WasmtimeNative.wasmtime_instance_export_get(context, instance, n, (nuint)name.Length, item) == 0)
                throw new InvalidOperationException($"wasm: an instance lacks the export {Encoding.UTF8.GetString(name)} its module was checked for");
    }

    /// <summary>Throws what a C API call's error or trap says, deleting it; nothing when neither is set.</summary>
    private static void Check(GuestCall call, Guest guest, nint error, nint trap)
    {
        if (error == 0 && trap == 0) return;
        // A host function's failure surfaces as an error or a trap: its own reason wins.
        if (error != 0)
        {
            var message = WasmtimeNative.TakeErrorMessage(error);
            if (trap != 0) WasmtimeNative.TakeTrap(trap);
            throw new WasmtimeFault(message, isTrap: false, null);
        }
        var (text, code) = WasmtimeNative.TakeTrap(trap);
        throw new WasmtimeFault(text, isTrap: true, code);
    }

    /// <summary>A Wasmtime error or trap (with its code when it has one), read from the C API.</summary>
    private sealed class WasmtimeFault(string message, bool isTrap, TrapCode? trap) : Exception(message)
    {
        public bool IsTrap { get; } = isTrap;
        public TrapCode? Trap { get; } = trap;
    }

    /// <summary>grid.complete, as Wasmtime calls it: arguments (pointer, length) in, the packed result out.</summary>
    [UnmanagedCallersOnly]
    private static unsafe nint GridComplete(nint env, nint caller, WasmtimeNative.ValRaw* values, nuint count)
    {
        var context = WasmtimeNative.wasmtime_caller_context(caller);
        var call = (GuestCall)GCHandle.FromIntPtr(WasmtimeNative.wasmtime_context_get_data(context)).Target!;
        try
        {
            var result = CompleteForGuest(call, caller, context, values[0].I32, values[1].I32, out var trap);
            if (trap != 0) return trap;
            values[0] = default;
            values[0].I64 = result;
            return 0;
        }
        catch (Exception error)
        {
            // No exception may cross into native code: kept for Run, which throws it instead of the trap.
            call.HostFailure = error;
            return WasmtimeNative.NewTrap(error.Message);
        }
    }

    /// <summary>The host side of the guest's grid.complete import; runs on the guest's worker thread.</summary>
    /// <param name="trap">A trap of the guest's grid_alloc (out of fuel, say), handed back to Wasmtime as this call's.</param>
    private static unsafe long CompleteForGuest(GuestCall call, nint caller, nint context, int pointer, int length, out nint trap)
    {
        trap = 0;
        var guest = new Guest(context);
        WasmtimeNative.Extern export;
        fixed (byte* name = "memory"u8)
            WasmtimeNative.wasmtime_caller_export_get(caller, name, 6, &export);
        guest.Memory = export.Memory;
        guest.HasMemory = true;
        if (!Fits(guest, pointer, length))
            throw Failed(call, $"grid.complete({pointer}, {length}) points outside its memory of {guest.MemoryBytes} bytes");
        var sequence = new Sequence(guest.Span(pointer, length).ToArray());
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
        fixed (byte* name = "grid_alloc"u8)
            WasmtimeNative.wasmtime_caller_export_get(caller, name, 10, &export);
        var values = stackalloc WasmtimeNative.ValRaw[1];
        values[0] = default;
        values[0].I32 = bytes.Length;
        nint allocTrap;
        var error = WasmtimeNative.wasmtime_func_call_unchecked(context, &export.Func, values, 1, &allocTrap);
        if (error != 0) throw new InvalidOperationException($"grid_alloc failed: {WasmtimeNative.TakeErrorMessage(error)}");
        if (allocTrap != 0)
        {
            trap = allocTrap;
            return 0;
        }
        var at = values[0].I32;
        if (!Fits(guest, at, bytes.Length)) return GuestAbi.AllocFailed; // grid_alloc may have grown the memory: Fits reads its size now
        bytes.Span.CopyTo(guest.Span(at, bytes.Length));
        return GuestAbi.Pack(at, bytes.Length);
    }

    private static bool Fits(Guest guest, long pointer, long length) =>
        pointer >= 0 && length >= 0 && pointer + length <= guest.MemoryBytes;

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
    private CompletionRefusedException Explain(WasmtimeFault fault, GuestCall call, Guest guest, TimeSpan elapsed)
    {
        // A host function (grid.complete) that threw: its own reason.
        if (call.HostFailure is CompletionRefusedException refused) return refused;

        var cid = call.Module.Cid;
        var memoryNote = guest.HasMemory && guest.MemoryBytes + WasmSettings.PageBytes > _settings.MaxMemoryBytes
            ? $"; its memory is at the limit of {_settings.MaxMemoryPages} pages (promisegrid.wasm.max-memory-pages), so a memory.grow was refused"
            : "";
        switch (fault.Trap)
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
        var what = fault.IsTrap ? "trapped" : guest.HasMemory ? "failed" : "could not be instantiated";
        return new(status, $"wasm: module {cid} {what}: {WasmErrors.OneLine(fault.Message)}{memoryNote}{call.LastFailureText()}");
    }

    /// <summary>Epoch ticks from now until <paramref name="deadline"/>, rounded up, plus one for the tick in progress.</summary>
    private ulong TicksUntil(DateTimeOffset deadline)
    {
        var left = deadline - DateTimeOffset.UtcNow;
        if (left <= TimeSpan.Zero) return 1;
        return (ulong)Math.Ceiling(left / _settings.EpochTick) + 1;
    }

    /// <summary>
    /// Counts a guest in and makes sure the epoch ticks. On the hot path no lock is taken and the
    /// timer is not touched while it ticks already: the timer stops itself at a tick that finds no
    /// guest running (<see cref="Tick"/>), instead of being stopped and restarted around every
    /// request (two timer changes a request when guests run one at a time, as inline runs do).
    /// </summary>
    private void StartTicking()
    {
        Interlocked.Increment(ref _running);
        // Past Dispose the engine may be gone: no new store may be made on it. (Dispose sets
        // _disposed, then reads _running; the increment above comes before this read.)
        if (Volatile.Read(ref _disposed))
        {
            Interlocked.Decrement(ref _running);
            throw new CompletionRefusedException(CompletionStatus.ModuleFailed, "wasm: the module stopped");
        }
        if (Volatile.Read(ref _ticking) == 0) Arm();
    }

    private void StopTicking() => Interlocked.Decrement(ref _running);

    private void Arm()
    {
        lock (_tickGate)
        {
            if (_ticking == 1 || _disposed) return;
            _ticker.Change(_settings.EpochTick, _settings.EpochTick);
            Volatile.Write(ref _ticking, 1);
        }
    }

    private void Tick()
    {
        // A tick already under way when Dispose ran must not touch the disposed engine.
        if (Volatile.Read(ref _disposed)) return;
        try
        {
            _engine.IncrementEpoch();
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (Volatile.Read(ref _running) > 0) return;
        lock (_tickGate)
        {
            if (_ticking == 0 || _disposed) return;
            _ticker.Change(Timeout.Infinite, Timeout.Infinite);
            Interlocked.Exchange(ref _ticking, 0);
            // A guest that came in after the check above may have seen the timer still ticking
            // and not armed it: then it is armed again here (the exchange above is a full fence,
            // as is the guest's increment before it reads _ticking).
            if (Volatile.Read(ref _running) > 0)
            {
                _ticker.Change(_settings.EpochTick, _settings.EpochTick);
                _ticking = 1;
            }
        }
    }

    public void Dispose()
    {
        lock (_tickGate)
        {
            if (_disposed) return;
            Volatile.Write(ref _disposed, true);
            Interlocked.MemoryBarrier();
            _ticker.Dispose();
            // A guest still running keeps the engine (and its compiled modules) alive; the
            // finalizers release them once it is done.
            if (Volatile.Read(ref _running) > 0) return;
        }
        _linker.Dispose();
        _engine.Dispose();
    }
}
