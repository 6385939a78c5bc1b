using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The client's requests waiting for their completions, in reusable slots found by request id
/// (the id's low <see cref="IndexBits"/> bits are the slot's index, the high bits a sequence
/// number): what a concurrent map did before, without its entry per request, the largest part of
/// what a local completion allocated (docs/architecture.md#the-client).
/// </summary>
/// <remarks>
/// Slots come in chunks that are added as more requests wait at once, never removed: the table is
/// as large as the most requests that ever waited together. Renting and freeing a slot take one
/// short lock (as adding to and removing from the map each took a bucket's lock).
/// </remarks>
internal sealed class PendingRequests
{
    /// <summary>Bits of a request id that name its slot: at most 2^20 (1,048,576) requests wait at once.</summary>
    public const int IndexBits = 20;

    /// <summary>How many requests may wait at once; past this a request is refused as Overloaded.</summary>
    public const int Capacity = 1 << IndexBits;

    private const int ChunkBits = 8;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly Action<PendingRequest, Completion?> _ended;
    private readonly Lock _lock = new();
    private PendingRequest[][] _chunks = [];
    private int[] _free = [];
    private int _freeCount;
    private int _waiting;
    private long _sequence;

    /// <param name="ended">Called on the thread pool for each request once it was claimed, before its caller's task ends: the outcome (null: cancelled).</param>
    public PendingRequests(Action<PendingRequest, Completion?> ended) => _ended = ended;

    /// <summary>True when no request waits (nor is being ended).</summary>
    public bool IsEmpty => Volatile.Read(ref _waiting) == 0;

    /// <summary>
    /// A free slot and the new id of the request it will hold; null when <see cref="Capacity"/>
    /// requests wait already.
    /// </summary>
    public PendingRequest? Rent(out long id)
    {
        PendingRequest slot;
        lock (_lock)
        {
            if (_freeCount == 0 && !Grow())
            {
                id = 0;
                return null;
            }
            var index = _free[--_freeCount];
            slot = _chunks[index >> ChunkBits][index & (ChunkSize - 1)];
            _waiting++;
        }
        id = (Interlocked.Increment(ref _sequence) << IndexBits) | (long)slot.Index;
        return slot;
    }

    /// <summary>An id for a request that is never sent (its deadline has passed already): unique like the others, and no slot's.</summary>
    public long UnsentId() => Interlocked.Increment(ref _sequence) << IndexBits;

    /// <summary>The slot request <paramref name="id"/> waits in, or null if it waits nowhere (ended, or not this client's).</summary>
    public PendingRequest? Find(long id)
    {
        if (id <= 0) return null;
        var index = (int)(id & (Capacity - 1));
        var chunks = Volatile.Read(ref _chunks);
        var chunk = index >> ChunkBits;
        if (chunk >= chunks.Length) return null;
        var slot = chunks[chunk][index & (ChunkSize - 1)];
        return slot.Id == id ? slot : null;
    }

    /// <summary>Every slot, free or not (check <see cref="PendingRequest.Id"/>); the same array is never changed, only replaced by a longer one.</summary>
    public PendingRequest[][] Chunks => Volatile.Read(ref _chunks);

    /// <summary>Accounts for a claimed request (see the constructor).</summary>
    internal void Ended(PendingRequest slot, Completion? outcome) => _ended(slot, outcome);

    /// <summary>Empties a slot whose request has been accounted for and puts it back for the next request.</summary>
    internal void Free(PendingRequest slot)
    {
        // The slot's lock: a streamed part or a resend that checked the id inside it is done
        // before the request leaves the slot.
        lock (slot) slot.Clear();
        lock (_lock)
        {
            _free[_freeCount++] = slot.Index;
            _waiting--;
        }
    }

    /// <summary>Adds a chunk of free slots (under <see cref="_lock"/>); false at <see cref="Capacity"/>.</summary>
    private bool Grow()
    {
        var chunks = _chunks;
        if ((chunks.Length + 1) * ChunkSize > Capacity) return false;
        var first = chunks.Length * ChunkSize;
        var chunk = new PendingRequest[ChunkSize];
        for (var i = 0; i < ChunkSize; i++) chunk[i] = new PendingRequest(this, first + i);
        if (_free.Length < first + ChunkSize) Array.Resize(ref _free, first + ChunkSize);
        // Highest index first on the stack's bottom, so the lowest slots are rented first.
        for (var i = ChunkSize - 1; i >= 0; i--) _free[_freeCount++] = first + i;
        Volatile.Write(ref _chunks, [.. chunks, chunk]);
        return true;
    }
}
