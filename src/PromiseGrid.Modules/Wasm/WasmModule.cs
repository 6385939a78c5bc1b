using System.Text;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// <c>wasm/&lt;cid&gt;/&lt;input&gt;</c>: runs the WebAssembly module whose bytes the store holds under
/// <c>&lt;cid&gt;</c> on <c>&lt;input&gt;</c>, and completes with its output (README
/// "WebAssembly modules"). The guest ABI: <see cref="GuestAbi"/>; its only system call is
/// completing another sequence (<c>grid.complete</c>), so code reaches the world through the
/// grid and nothing else.
/// </summary>
/// <remarks>
/// <para>The bytes come through the grid (<c>store/get/&lt;cid&gt;</c>), so any node that runs
/// this module runs any stored guest. Each CID is fetched and compiled once and kept compiled
/// (<c>compiled-cache-size</c>); each request gets a fresh instance in a fresh store, with its
/// own fuel, memory limit and deadline (wasm.conf).</para>
/// <para>Guests run on the module's own worker threads (<see cref="WasmWorkers"/>), never on the
/// actor's thread nor the shared thread pool, where a guest blocked in grid.complete would hold
/// a thread others need. A guest that imports nothing cannot block: it first runs within
/// inline-fuel on the thread pool or this actor's thread (<see cref="PooledRun"/>). A guest's grid.complete carries the request's
/// nesting (hops) like any module's call, so a guest calling itself ends with TooDeep.</para>
/// <para>Routes <c>wasm/&lt;cid&gt;/</c> of the CIDs in <c>promisegrid.wasm.pure</c> are registered
/// pure, so the completion cache answers repeated requests for them.</para>
/// </remarks>
public sealed class WasmModule : ModuleActor
{
    public const string Prefix = "wasm/";

    private static readonly Sequence WasmPrefix = Sequence.FromText(Prefix);
    private static readonly byte[] StoreGet = Encoding.ASCII.GetBytes(StoreModule.GetPrefix);

    private readonly WasmSettings _settings;
    private readonly WasmRuntime _runtime;
    private readonly WasmWorkers _workers;
    private readonly CompiledModuleCache _compiled;

    /// <summary>Guests that import nothing running on the thread pool now (<see cref="PooledRun"/>), at most max-concurrency.</summary>
    private int _pooledRuns;

    public WasmModule() : this(null)
    {
    }

    /// <param name="settings">Null: read from the actor system's config (<c>promisegrid.wasm</c>).</param>
    public WasmModule(WasmSettings? settings)
        : base("wasm", PrefixesOf(settings ??= WasmSettings.Create(Context.System.Settings.Config)))
    {
        _settings = settings;
        _runtime = new WasmRuntime(settings, Grid.Settings.MaxSequenceBytes);
        _workers = new WasmWorkers(settings.MaxConcurrency, settings.MaxInstances, settings.MaxQueued);
        _compiled = new CompiledModuleCache(settings.CompiledCacheSize);
    }

    /// <summary>The module with the settings of the actor system's config.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new WasmModule(null));

    public static Props Props(WasmSettings settings) => Akka.Actor.Props.Create(() => new WasmModule(settings));

    public WasmSettings Settings => _settings;

    /// <summary><c>wasm/</c>, and <c>wasm/&lt;cid&gt;/</c> for each pure CID.</summary>
    private static IEnumerable<Sequence> PrefixesOf(WasmSettings settings) =>
        [WasmPrefix, .. settings.PureModules.Select(cid => Sequence.FromUtf8($"{Prefix}{cid}/"))];

    /// <summary>Only the routes of the CIDs listed as pure; <c>wasm/</c> itself runs guests that may not be.</summary>
    protected override bool IsPure(Sequence prefix) => prefix != WasmPrefix;

    protected override void PreStart()
    {
        Log.Info("wasm module started max_fuel={0} max_memory_pages={1} timeout={2} max_concurrency={3} max_instances={4} pure={5}",
            _settings.MaxFuel, _settings.MaxMemoryPages, _settings.Timeout, _settings.MaxConcurrency, _settings.MaxInstances,
            string.Join(",", _settings.PureModules));
        base.PreStart();
    }

    protected override void PostStop()
    {
        _workers.Dispose();
        _runtime.Dispose();
        base.PostStop();
    }

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        // Parsed from the whole sequence: a pure route's prefix already holds the CID.
        var rest = request.Sequence.Slice(WasmPrefix.Length);
        var slash = rest.Span.IndexOf((byte)'/');
        if (slash < 0)
            throw new CompletionRefusedException(CompletionStatus.BadRequest,
                $"wasm: expected wasm/<cid>/<input>, got '{request.Sequence.ToString(80)}' (no '/' after the CID)");
        var cid = CidOf(rest.Slice(0, slash));
        var input = rest.Slice(slash + 1);
        var deadline = request.Deadline;
        var grid = request.Grid;
        // The common case: compiled already, straight to a worker.
        if (_compiled.TryGetReady(cid, out var ready)) return new(RunAsync(ready, input, deadline, grid));
        return new(LoadAndRunAsync(cid, input, deadline, grid));
    }

    private async Task<Sequence> LoadAndRunAsync(Cid cid, Sequence input, DateTimeOffset deadline, IGrid grid)
    {
        var module = await _compiled.GetAsync(cid, () => LoadAsync(cid, deadline, grid)).ConfigureAwait(false);
        return await RunAsync(module, input, deadline, grid).ConfigureAwait(false);
    }

    private Task<Sequence> RunAsync(GuestModule module, Sequence input, DateTimeOffset deadline, IGrid grid)
    {
        var timeout = DateTimeOffset.UtcNow + _settings.Timeout;
        var call = deadline <= timeout
            ? new GuestCall(module, grid, _workers, deadline, deadlineIsRequests: true)
            : new GuestCall(module, grid, _workers, timeout, deadlineIsRequests: false);
        if (module.ImportsNothing && _settings.InlineFuel > 0)
        {
            // A guest that imports nothing runs within inline-fuel without a worker
            // (WasmRuntime.TryRunInline): on the shared thread pool while fewer than
            // max-concurrency do, so requests still run in parallel, else on this thread.
            if (Interlocked.Increment(ref _pooledRuns) <= _settings.MaxConcurrency)
            {
                var run = new PooledRun(this, module, input, call, deadline);
                // Unsafe: the execution context (the request's hops) does not flow, which only
                // grid.complete reads, and this guest cannot call it.
                ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: false);
                return run.Task;
            }
            Interlocked.Decrement(ref _pooledRuns);
            if (_runtime.TryRunInline(module, input, call) is { } output) return Task.FromResult(output);
        }
        return _workers.RunAsync(() => _runtime.Run(module, input, call), deadline);
    }

    /// <summary>
    /// A guest that imports nothing, run on a thread-pool thread: held there at most inline-fuel
    /// and two epoch ticks (it cannot block on the grid), then handed to a worker if it needs more.
    /// </summary>
    private sealed class PooledRun(WasmModule owner, GuestModule module, Sequence input, GuestCall call, DateTimeOffset deadline)
        : TaskCompletionSource<Sequence>, IThreadPoolWorkItem
    {
        public void Execute()
        {
            try
            {
                if (owner._runtime.TryRunInline(module, input, call) is { } output)
                {
                    TrySetResult(output);
                    return;
                }
                owner._workers.RunAsync(() => owner._runtime.Run(module, input, call), deadline).ContinueWith(static (done, state) =>
                {
                    var run = (PooledRun)state!;
                    if (done.IsCompletedSuccessfully) run.TrySetResult(done.Result);
                    else run.TrySetException(done.Exception!.InnerExceptions);
                }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            catch (Exception error)
            {
                TrySetException(error);
            }
            finally
            {
                Interlocked.Decrement(ref owner._pooledRuns);
            }
        }
    }

    /// <summary>Fetches the guest's bytes through the grid (any store node) and compiles them off the actor's thread.</summary>
    private async Task<GuestModule> LoadAsync(Cid cid, DateTimeOffset deadline, IGrid grid)
    {
        var left = deadline - DateTimeOffset.UtcNow;
        var completion = await grid.CompleteAsync(new Sequence([.. StoreGet, .. cid.ToAscii()]), left > TimeSpan.Zero ? left : TimeSpan.Zero)
            .ConfigureAwait(false);
        if (completion.Status != CompletionStatus.Completed)
            throw new CompletionRefusedException(completion.Status,
                $"wasm: module {cid} could not be fetched from the store: {completion.Status}: {completion.Reason}");
        var bytes = completion.Bytes;
        var module = await Task.Run(() => _runtime.Compile(cid, bytes.Span)).ConfigureAwait(false);
        Log.Info("wasm module compiled cid={0} bytes={1}", cid, module.ByteLength);
        return module;
    }

    // The last CID parsed, by its text: requests for one guest in a row skip parsing (on the actor's thread only).
    private byte[] _lastCidText = [];
    private Cid? _lastCid;

    private Cid CidOf(Sequence text)
    {
        if (_lastCid is { } last && text.Span.SequenceEqual(_lastCidText)) return last;
        var cid = ParseCid(text);
        _lastCidText = text.Span.ToArray();
        _lastCid = cid;
        return cid;
    }

    private static Cid ParseCid(Sequence text)
    {
        try
        {
            return Cid.Parse(text.Span);
        }
        catch (CidFormatException error)
        {
            throw new CompletionRefusedException(CompletionStatus.BadRequest, $"wasm: '{text.ToString(80)}' is not a CID: {error.Message}");
        }
    }
}
