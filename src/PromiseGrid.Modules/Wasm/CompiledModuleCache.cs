using PromiseGrid.Core.Content;

namespace PromiseGrid.Modules.Wasm;

/// <summary>
/// Compiled guests by CID, at most <c>capacity</c> of them; past it the least recently used
/// is dropped. Concurrent requests for a CID not yet here share one fetch and compile. A
/// failed load is not kept: the next request tries again (the store may have the bytes by then).
/// </summary>
internal sealed class CompiledModuleCache(int capacity)
{
    private readonly object _gate = new();
    private readonly Dictionary<Cid, Entry> _entries = new();
    private long _clock;

    /// <summary>Guests compiled so far (loads started, successful or not).</summary>
    public int Loads { get; private set; }

    /// <summary>The compiled guest if it is here and ready; for the fast path that needs no await.</summary>
    public bool TryGetReady(Cid cid, out GuestModule module)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(cid, out var entry) && entry.Load.IsValueCreated && entry.Load.Value.IsCompletedSuccessfully)
            {
                entry.LastUse = ++_clock;
                module = entry.Load.Value.Result;
                return true;
            }
        }
        module = null!;
        return false;
    }

    /// <summary>The compiled guest, loading it with <paramref name="load"/> if no request has yet.</summary>
    public Task<GuestModule> GetAsync(Cid cid, Func<Task<GuestModule>> load)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(cid, out entry!))
            {
                entry = new Entry(new Lazy<Task<GuestModule>>(load)) { LastUse = ++_clock };
                _entries[cid] = entry;
                Loads++;
                EvictOverCapacity();
            }
            else
            {
                entry.LastUse = ++_clock;
            }
        }
        var task = entry.Load.Value;
        if (!task.IsCompleted)
            _ = task.ContinueWith(_ => Forget(cid, entry), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        else if (!task.IsCompletedSuccessfully)
            Forget(cid, entry);
        return task;
    }

    private void Forget(Cid cid, Entry entry)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(cid, out var current) && ReferenceEquals(current, entry)) _entries.Remove(cid);
        }
    }

    /// <summary>
    /// Under the lock. An evicted module is not disposed here: a request may be running it; the
    /// finalizer releases it once none is.
    /// </summary>
    private void EvictOverCapacity()
    {
        while (_entries.Count > capacity)
        {
            var oldest = _entries.MinBy(pair => pair.Value.LastUse).Key;
            _entries.Remove(oldest);
        }
    }

    private sealed class Entry(Lazy<Task<GuestModule>> load)
    {
        public Lazy<Task<GuestModule>> Load { get; } = load;
        public long LastUse { get; set; }
    }
}
