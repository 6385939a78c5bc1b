using Akka.Actor;
using Akka.Configuration;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PromiseGrid.Core;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Tracing;
using PromiseGrid.Modules;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// What tracing costs (docs/architecture.md#tracing): the local and remote requests of
/// <see cref="LocalBench"/> and <see cref="RemoteBench"/> (IGrid.CompleteAsync to an echo module, in
/// one system and across two on loopback) with an OpenTelemetry tracer provider on the grid's
/// sources, sampling 100 % and 1 %, against tracing off (no provider, the default), in alternating
/// rounds of the same run. The provider is made for each traced round and disposed after it, as a
/// node with tracing on would hold it; no exporter, so the figures are the spans' own cost.
/// </summary>
public static class TracingBench
{
    public const string Mode = "tracing";

    public static readonly double[] Shares = [1.0, 0.01];

    public static async Task<LoadReport> RunAsync(LoadOptions options)
    {
        var payload = options.Payload();
        var sequence = Sequence.FromText("echo/").Concat(new Sequence(payload));
        var comparisons = new List<LoadComparison>();

        var local = ActorSystem.Create("promisegrid", GridSettings.WithGridDefaults(ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        try
        {
            var grid = Grid.GetRuntime(local);
            local.ActorOf(EchoModule.Props(), "echo");
            await BenchSetup.AwaitRouteAsync(grid, "echo/");
            await CompareAsync("local", grid, sequence, payload.Length, options, comparisons);
        }
        finally
        {
            await local.Terminate();
        }

        await using (var nodes = TwoNodeCluster.Start())
        {
            await nodes.StartEchoOnNode2Async();
            await CompareAsync("remote", nodes.Grid1, sequence, payload.Length, options, comparisons);
        }

        return new LoadReport(Mode, options, comparisons[0].Grid, comparisons[0].Baseline, LoadReport.DescribeMachine())
        {
            Comparisons = comparisons,
            Notes = $"{options.PayloadBytes} B payload; tracing off is the default (PG_TRACE_SAMPLE=0); ratio = traced / off, same run",
        };
    }

    private static async Task CompareAsync(string where, IGridRuntime grid, Sequence sequence, int payloadBytes, LoadOptions options,
        List<LoadComparison> comparisons)
    {
        var round = ClosedLoop.Round(options.Concurrency,
            () => grid.CompleteAsync(sequence, BenchSetup.Deadline),
            completion => completion.IsCompleted && completion.Bytes.Length == payloadBytes);
        foreach (var share in Shares)
        {
            var label = $"{share:0.##%}";
            var figures = await BenchSetup.AlternateAsync(where, options,
                $"{where}, tracing off", round,
                $"{where}, tracing on, {label} sampled", Traced(share, round));
            comparisons.Add(new LoadComparison($"{where}: tracing {label} sampled vs off", figures[0], figures[1], 0));
        }
    }

    /// <summary>The round with a tracer provider on the grid's sources for its duration.</summary>
    private static Func<TimeSpan, TimeSpan, Task<LoadMeter>> Traced(double share, Func<TimeSpan, TimeSpan, Task<LoadMeter>> round) =>
        async (warmup, window) =>
        {
            using var provider = Sdk.CreateTracerProviderBuilder()
                .AddSource([.. GridActivitySources.All])
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(share)))
                .Build();
            return await round(warmup, window);
        };
}
