using PromiseGrid.Core;
using PromiseGrid.Kernel.Client;

namespace PromiseGrid.Bench.Load;

internal static class BenchSetup
{
    /// <summary>Waits until <paramref name="grid"/> routes <paramref name="prefix"/> (a module registered, here or on another node).</summary>
    public static async Task AwaitRouteAsync(IGrid grid, string prefix, Func<PromiseGrid.Kernel.Routing.Route, bool>? where = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var bytes = Sequence.FromText(prefix);
        while (!grid.Routes.Snapshot.ValuesOf(bytes.Span).Any(r => where?.Invoke(r) ?? true))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no route for {prefix} after 30 s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Baseline, grid, baseline, grid: the first round of each warms the JIT, connections and
    /// caches for both, and the figures reported are the second round's, so neither side
    /// gains from running later. Returns [grid, baseline].
    /// </summary>
    public static async Task<IReadOnlyList<LoadFigure>> AlternateAsync(string mode, Func<Task<LoadFigure>> baseline, Func<Task<LoadFigure>> grid)
    {
        await baseline();
        await grid();
        var baselineFigure = await baseline();
        var gridFigure = await grid();
        return [gridFigure with { Mode = mode }, baselineFigure with { Mode = mode }];
    }
}
