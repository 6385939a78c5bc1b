namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The hops of the request a module is serving, carried in the execution context so that every
/// <see cref="IGrid.CompleteAsync(Core.Sequence, System.TimeSpan?, System.Threading.CancellationToken)"/>
/// the module makes on its way, whatever it awaits or whichever thread it continues on, sends
/// one hop more. Modules need not pass anything along, and cannot forget to.
/// </summary>
/// <remarks>
/// Setting an AsyncLocal allocates a new execution context each time, about 100 B a request on
/// the hot path. So the module base runs each request on a cached context per hops value
/// (<see cref="ContextServing"/>, with <see cref="ExecutionContext.Run"/>), which allocates
/// nothing; contexts are immutable, so sharing them is safe.
/// </remarks>
internal static class RequestNesting
{
    /// <summary>Contexts cached for hops 0 to this − 1; deeper requests (rare: past the usual limit) get a fresh one.</summary>
    private const int CachedContexts = 64;

    private static readonly AsyncLocal<int?> Serving = new();
    private static readonly ExecutionContext?[] Contexts = new ExecutionContext?[CachedContexts];

    /// <summary>The hops a request sent from here carries: 0 outside any module, else one more than the request being served.</summary>
    public static int HopsOfNextRequest => Serving.Value is { } hops ? hops + 1 : 0;

    /// <summary>
    /// An execution context that marks code run in it (and everything it starts) as serving a
    /// request of <paramref name="hops"/>, and holds nothing else: it is made on a thread of its
    /// own with flow suppressed, so no caller's async-locals leak into modules through the cache.
    /// </summary>
    public static ExecutionContext ContextServing(int hops) =>
        (uint)hops < CachedContexts && Volatile.Read(ref Contexts[hops]) is { } cached ? cached : MakeContextServing(hops);

    // Apart from ContextServing: the lambda's closure over hops would be allocated on entry to
    // the method that declares it, on every request, cached context or not (32 B).
    private static ExecutionContext MakeContextServing(int hops)
    {
        ExecutionContext? made = null;
        using (ExecutionContext.SuppressFlow())
        {
            var thread = new Thread(() =>
            {
                Serving.Value = hops;
                made = ExecutionContext.Capture();
            });
            thread.Start();
            thread.Join();
        }
        if ((uint)hops < CachedContexts) Volatile.Write(ref Contexts[hops], made);
        return made!;
    }
}
