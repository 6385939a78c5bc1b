using Akka.Actor;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Modules;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// One actor system. Grid: requester → router → echo module → requester. Baseline: requester
/// → echo actor → requester with Ping/Pong records. Same requesters, payload and concurrency.
/// </summary>
public static class LocalBench
{
    private const string Config = """
        akka.loglevel = WARNING
        akka.actor.provider = local
        """;

    public static async Task<IReadOnlyList<LoadFigure>> RunAsync(LoadOptions options)
    {
        var system = ActorSystem.Create("promisegrid", GridSettings.WithGridDefaults(ConfigurationFactory.ParseString(Config)));
        try
        {
            var payload = options.Payload();
            var echo = system.ActorOf(Props.Create<RawEcho>());
            var grid = Grid.GetRuntime(system);
            system.ActorOf(EchoModule.Props(), "echo");
            await BenchSetup.AwaitRouteAsync(grid, "echo/");
            var sequence = Sequence.FromText("echo/").Concat(new Sequence(payload));
            return await BenchSetup.AlternateAsync("local", options,
                "akka request/reply", (warmup, window) => RoundAsync(options.Concurrency, warmup, window,
                    meter => system.ActorOf(Props.Create(() => new RawRequester(echo, payload, false, meter)))),
                "grid completion", (warmup, window) => RoundAsync(options.Concurrency, warmup, window,
                    meter => system.ActorOf(Props.Create(() => new GridRequester(grid.Router, sequence, meter, null)))));
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>One round: starts the requesters, measures, and stops them.</summary>
    internal static async Task<LoadMeter> RoundAsync(int concurrency, TimeSpan warmup, TimeSpan window, Func<LoadMeter, IActorRef> startOne)
    {
        var meter = new LoadMeter();
        var requesters = Enumerable.Range(0, concurrency).Select(_ => startOne(meter)).ToList();
        await meter.RunAsync(warmup, window);
        foreach (var requester in requesters) requester.Tell(PoisonPill.Instance);
        return meter;
    }
}
