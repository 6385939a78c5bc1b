using System.Collections.Concurrent;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Internal;

namespace PromiseGrid.Kernel.Caching;

/// <summary>
/// Completions of pure routes, by their sequence, bounded by memory (docs/architecture.md#the-completion-cache): a
/// pure module gives the same completion for the same sequence, so a repeated request needs
/// no work. One per node, shared by its module actors (<see cref="Modules.ModuleActor"/> looks
/// up after the capability check and fills after a kept promise).
/// </summary>
/// <remarks>
/// <para>Size counts the sequence and the completion bytes. Past <see cref="CacheSettings.MaxBytes"/>,
/// the adding thread evicts until the cache is at 90% of it, by second chance (CLOCK): a hit
/// marks its entry, eviction passes over the entries, clearing marks and dropping the unmarked.
/// That keeps the entries in use without a list to reorder on every hit.</para>
/// <para>Lookup takes the request's bytes as they are (no copy) and allocates nothing; filling
/// copies the sequence once, as the key.</para>
/// </remarks>
public sealed class CompletionCache
{
    private readonly ConcurrentDictionary<byte[], Entry> _entries = new(ByteContentComparer.Instance);
    private readonly ConcurrentDictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private readonly Lock _evictionLock = new();
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _evictions;

    internal CompletionCache(CacheSettings settings)
    {
        Settings = settings;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public CacheSettings Settings { get; }

    public bool Enabled => Settings.Enabled && Settings.MaxBytes > 0;

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public long Evictions => Interlocked.Read(ref _evictions);
    public long Bytes => Interlocked.Read(ref _bytes);
    public int Count => _entries.Count;

    /// <summary>The cached completion of <paramref name="sequence"/>, counting a hit or a miss.</summary>
    internal bool TryGet(Sequence sequence, out Sequence completion)
    {
        if (_bySpan.TryGetValue(sequence.Span, out var entry))
        {
            if (entry.Referenced == 0) entry.Referenced = 1; // read first: no write (no cache-line traffic) on hot entries
            Interlocked.Increment(ref _hits);
            completion = entry.Completion;
            return true;
        }
        Interlocked.Increment(ref _misses);
        completion = default;
        return false;
    }

    /// <summary>Keeps a kept promise of a pure route, unless it is too large to be worth it.</summary>
    internal void Add(Sequence sequence, Sequence completion)
    {
        long size = sequence.Length + completion.Length;
        if (size > Settings.MaxEntryBytes || size > Settings.MaxBytes) return;
        // The completion may be a slice of a larger array (a received message): keep only its bytes.
        var entry = new Entry(new Sequence(completion.Span.ToArray()), size);
        if (!_entries.TryAdd(sequence.Span.ToArray(), entry)) return;
        if (Interlocked.Add(ref _bytes, size) > Settings.MaxBytes) Evict();
    }

    /// <summary>Drops every entry (counters stay).</summary>
    public void Clear()
    {
        foreach (var key in _entries.Keys)
            if (_entries.TryRemove(key, out var entry))
                Interlocked.Add(ref _bytes, -entry.Size);
    }

    private void Evict()
    {
        lock (_evictionLock)
        {
            var target = Settings.MaxBytes * 9 / 10;
            // Two passes at most: the first may only clear marks, the second then finds victims.
            for (var pass = 0; pass < 2 && Interlocked.Read(ref _bytes) > target; pass++)
                foreach (var (key, entry) in _entries)
                {
                    if (Interlocked.Read(ref _bytes) <= target) return;
                    if (Interlocked.Exchange(ref entry.Referenced, 0) == 1) continue;
                    if (_entries.TryRemove(key, out var removed))
                    {
                        Interlocked.Add(ref _bytes, -removed.Size);
                        Interlocked.Increment(ref _evictions);
                    }
                }
        }
    }

    private sealed class Entry(Sequence completion, long size)
    {
        public Sequence Completion { get; } = completion;
        public long Size { get; } = size;
        public int Referenced;
    }
}
