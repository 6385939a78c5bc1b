using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// The wasm module's own worker threads. A guest runs synchronously on its thread, and its
/// grid.complete import blocks that thread until the grid answers, so guests must not run on
/// the shared thread pool (blocked pool threads would starve the whole node).
/// </summary>
/// <remarks>
/// <para>At most <c>maxRunning</c> guests compute at once. A guest waiting in grid.complete
/// gives up its running slot for the wait (<see cref="Blocking"/>), so a chain of guests calling
/// guests on this node (each waiting on the next) cannot take every slot and deadlock: the next
/// guest in the chain always gets a thread. Threads are bounded by <c>maxThreads</c> all the
/// same (guests alive at once); work past that waits in a queue of at most <c>maxQueued</c>.</para>
/// <para>Work runs in the execution context of the code that queued it, so the request nesting
/// the kernel keeps there (hops) follows the guest onto its thread and into grid.complete.</para>
/// <para>Threads beyond <c>maxRunning</c> end after a while without work.</para>
/// </remarks>
internal sealed class WasmWorkers : IDisposable
{
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);

    /// <summary>Stack of a worker thread: room for Wasmtime's own wasm stack (512 KiB) and the host frames around it.</summary>
    private const int ThreadStackBytes = 4 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly Queue<WorkItem> _queue = new();
    private readonly Stack<Worker> _idle = new();
    private readonly int _maxRunning;
    private readonly int _maxThreads;
    private readonly int _maxQueued;
    private int _threads;
    private int _running;
    private bool _stopped;

    public WasmWorkers(int maxRunning, int maxThreads, int maxQueued)
    {
        _maxRunning = maxRunning;
        _maxThreads = maxThreads;
        _maxQueued = maxQueued;
    }

    /// <summary>Worker threads alive now (busy or idle).</summary>
    public int Threads
    {
        get
        {
            lock (_gate) return _threads;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread once one is free. The task fails with
    /// Overloaded at once when the queue is full, and with BrokenPromise when
    /// <paramref name="deadline"/> passes before a worker takes it.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work, DateTimeOffset deadline)
    {
        var item = new WorkItem<T>(work, deadline, ExecutionContext.Capture());
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_queue.Count >= _maxQueued && !CanStartNow())
                throw new CompletionRefusedException(CompletionStatus.Overloaded,
                    $"wasm: {_running} guests running and {_queue.Count} waiting, the most this node takes " +
                    "(promisegrid.wasm.max-concurrency, max-instances, max-queued)");
            _queue.Enqueue(item);
            Dispatch();
        }
        return item.Task;
    }

    /// <summary>
    /// Marks the calling worker as waiting (not computing) until the scope ends, letting another
    /// guest run meanwhile. For the grid.complete import, which blocks on the grid.
    /// </summary>
    public BlockingScope Blocking()
    {
        lock (_gate)
        {
            _running--;
            Dispatch();
        }
        return new BlockingScope(this);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            foreach (var worker in _idle)
                worker.Wake.Release();
            _idle.Clear();
            foreach (var item in _queue)
                item.Refuse(new CompletionRefusedException(CompletionStatus.ModuleFailed, "wasm: the module stopped"));
            _queue.Clear();
        }
    }

    private bool CanStartNow() => _running < _maxRunning && (_idle.Count > 0 || _threads < _maxThreads);

    /// <summary>Under the lock: hands queued work to an idle worker or a new thread while a running slot is free.</summary>
    private void Dispatch()
    {
        while (_queue.Count > 0 && _running < _maxRunning)
        {
            if (_idle.TryPop(out var worker))
            {
                worker.Next = _queue.Dequeue();
                _running++;
                worker.Wake.Release();
            }
            else if (_threads < _maxThreads)
            {
                var item = _queue.Dequeue();
                _running++;
                _threads++;
                var thread = new Thread(() => Loop(new Worker { Next = item }), ThreadStackBytes)
                {
                    IsBackground = true,
                    Name = "wasm-worker",
                };
                thread.Start();
            }
            else
            {
                return;
            }
        }
    }

    private void Loop(Worker worker)
    {
        while (true)
        {
            var item = worker.Next!;
            worker.Next = null;
            item.Run();
            lock (_gate)
            {
                _running--;
                if (!_stopped && _queue.Count > 0 && _running < _maxRunning)
                {
                    worker.Next = _queue.Dequeue();
                    _running++;
                    continue;
                }
                if (_stopped)
                {
                    _threads--;
                    return;
                }
                _idle.Push(worker);
            }
            if (!WaitForWork(worker)) return;
        }
    }

    /// <summary>Waits idle until handed work (true), or ends the thread when it has been idle too long or the workers stop (false).</summary>
    private bool WaitForWork(Worker worker)
    {
        while (true)
        {
            if (worker.Wake.Wait(IdleLifetime))
            {
                lock (_gate)
                {
                    if (worker.Next is not null) return true;
                    _threads--; // woken without work: stopping
                    return false;
                }
            }
            lock (_gate)
            {
                // Handed work just as the wait timed out: the release is pending, take it.
                if (worker.Next is not null)
                {
                    worker.Wake.Wait(0);
                    return true;
                }
                if (_threads > _maxRunning || _stopped)
                {
                    RemoveIdle(worker);
                    _threads--;
                    return false;
                }
            }
        }
    }

    /// <summary>Under the lock: takes a worker that leaves the pool off the idle stack.</summary>
    private void RemoveIdle(Worker worker)
    {
        var kept = _idle.Where(other => !ReferenceEquals(other, worker)).Reverse().ToArray();
        _idle.Clear();
        foreach (var other in kept) _idle.Push(other);
    }

    /// <summary>Ends a <see cref="Blocking"/> wait: the worker computes again.</summary>
    public readonly struct BlockingScope(WasmWorkers workers) : IDisposable
    {
        public void Dispose()
        {
            lock (workers._gate) workers._running++;
        }
    }

    private sealed class Worker
    {
        public SemaphoreSlim Wake { get; } = new(0);
        public WorkItem? Next { get; set; }
    }

    private abstract class WorkItem
    {
        public abstract void Run();
        public abstract void Refuse(Exception error);
    }

    private sealed class WorkItem<T>(Func<T> work, DateTimeOffset deadline, ExecutionContext? context) : WorkItem
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _result.Task;

        public override void Run()
        {
            if (DateTimeOffset.UtcNow >= deadline)
            {
                _result.TrySetException(new CompletionRefusedException(CompletionStatus.BrokenPromise,
                    "wasm: the request's deadline passed while it waited for a worker (promisegrid.wasm.max-concurrency)"));
                return;
            }
            if (context is null) Execute(this);
            else ExecutionContext.Run(context, static state => Execute((WorkItem<T>)state!), this);
        }

        public override void Refuse(Exception error) => _result.TrySetException(error);

        private static void Execute(WorkItem<T> item)
        {
            try
            {
                item._result.TrySetResult(item.Invoke());
            }
            catch (Exception error)
            {
                item._result.TrySetException(error);
            }
        }

        private T Invoke() => work();
    }
}
