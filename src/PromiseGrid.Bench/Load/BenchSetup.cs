using System.Runtime.CompilerServices;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Client;

[assembly: InternalsVisibleTo("PromiseGrid.Bench.Tests")]

namespace PromiseGrid.Bench.Load;

internal static class BenchSetup
{
    /// <summary>The deadline every measured request carries, grid and baseline alike: far beyond any round trip here.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Waits until <paramref name="grid"/> routes <paramref name="prefix"/> (a module registered, here or on another node).</summary>
    public static async Task AwaitRouteAsync(IGridRuntime grid, string prefix, Func<PromiseGrid.Kernel.Routing.Route, bool>? where = null)
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
    /// One warm-up round of each (not counted), then baseline and grid take turns for
    /// <see cref="LoadOptions.Rounds"/> rounds of <c>Seconds / Rounds</c> each, the baseline
    /// first in even rounds and the grid first in odd ones; each figure combines its rounds.
    /// Returns [grid, baseline].
    /// </summary>
    /// <param name="baseline">Runs one round: (warm-up, window) → that round's meter.</param>
    public static async Task<IReadOnlyList<LoadFigure>> AlternateAsync(string mode, LoadOptions options,
        string baselineName, Func<TimeSpan, TimeSpan, Task<LoadMeter>> baseline,
        string gridName, Func<TimeSpan, TimeSpan, Task<LoadMeter>> grid)
    {
        var rounds = Math.Max(1, options.Rounds);
        await baseline(options.Warmup, TimeSpan.Zero);
        await grid(options.Warmup, TimeSpan.Zero);
        var window = options.Window / rounds;
        var rampUp = TimeSpan.FromSeconds(Math.Min(0.25, options.WarmupSeconds));
        var baselineRounds = new List<LoadMeter>();
        var gridRounds = new List<LoadMeter>();
        for (var i = 0; i < rounds; i++)
        {
            // Each side goes first in every other round: the side that runs second inherits the
            // first one's garbage, warm caches and the thread pool it grew.
            if (i % 2 == 0)
            {
                baselineRounds.Add(await baseline(rampUp, window));
                gridRounds.Add(await grid(rampUp, window));
            }
            else
            {
                gridRounds.Add(await grid(rampUp, window));
                baselineRounds.Add(await baseline(rampUp, window));
            }
        }
        return [LoadMeter.Combine(mode, gridName, gridRounds), LoadMeter.Combine(mode, baselineName, baselineRounds)];
    }
}
