namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The hops of the request a module is serving, carried in the execution context so that every
/// <see cref="IGrid.CompleteAsync(Core.Sequence, System.TimeSpan?, System.Threading.CancellationToken)"/>
/// the module makes on its way, whatever it awaits or whichever thread it continues on, sends
/// one hop more. Modules need not pass anything along, and cannot forget to.
/// </summary>
internal static class RequestNesting
{
    private static readonly AsyncLocal<int?> Serving = new();

    /// <summary>The hops a request sent from here carries: 0 outside any module, else one more than the request being served.</summary>
    public static int HopsOfNextRequest => Serving.Value is { } hops ? hops + 1 : 0;

    /// <summary>
    /// Marks the current execution context as serving a request of <paramref name="hops"/>; the
    /// returned scope restores the previous mark. Code started inside the scope (continuations,
    /// tasks) keeps the mark after the scope ends, which is the point.
    /// </summary>
    public static Scope Serve(int hops)
    {
        var previous = Serving.Value;
        Serving.Value = hops;
        return new Scope(previous);
    }

    public readonly struct Scope(int? previous) : IDisposable
    {
        public void Dispose() => Serving.Value = previous;
    }
}
