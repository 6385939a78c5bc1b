namespace PromiseGrid.Modules.Gpt;

/// <summary>
/// Bounds the generations of one module: at most <c>concurrency</c> run at once, at most
/// <c>maxQueued</c> more wait for a turn (first come, first served), and any further request
/// is turned away at once rather than queued without bound. Thread-safe.
/// </summary>
/// <remarks>
/// A request <see cref="TryAdmit">is admitted</see> (or not) on the module's thread, then waits
/// for <see cref="WaitTurnAsync">its turn</see> off it; every admitted request must
/// <see cref="Leave"/> once, and every turn taken must be <see cref="EndTurn">ended</see>.
/// </remarks>
internal sealed class GenerationGate
{
    private readonly SemaphoreSlim _turns;
    private readonly int _limit;
    private int _admitted;

    public GenerationGate(int concurrency, int maxQueued)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxQueued);
        Concurrency = concurrency;
        MaxQueued = maxQueued;
        _limit = concurrency + maxQueued;
        _turns = new SemaphoreSlim(concurrency, concurrency);
    }

    public int Concurrency { get; }

    public int MaxQueued { get; }

    /// <summary>Requests admitted and not yet left: running plus waiting.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Admits a request unless <c>concurrency + maxQueued</c> are already in.</summary>
    public bool TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) <= _limit) return true;
        Interlocked.Decrement(ref _admitted);
        return false;
    }

    /// <summary>Waits for a free generation slot; cancelled (and no slot taken) when <paramref name="cancellation"/> fires first.</summary>
    public Task WaitTurnAsync(CancellationToken cancellation) => _turns.WaitAsync(cancellation);

    /// <summary>Frees the slot taken by <see cref="WaitTurnAsync"/>.</summary>
    public void EndTurn() => _turns.Release();

    /// <summary>Counts an admitted request out, whether it ran or not.</summary>
    public void Leave() => Interlocked.Decrement(ref _admitted);
}
