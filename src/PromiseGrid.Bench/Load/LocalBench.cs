using Akka.Actor;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Modules;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// One actor system, two comparisons, each with the same payload and concurrency on both sides.
/// <list type="number">
/// <item>As a program makes a request: closed-loop async loops (<see cref="ClosedLoop"/>) call
/// <see cref="IGrid.CompleteAsync(Sequence, TimeSpan?, CancellationToken)"/> (client: pending map,
/// deadline, ledger → router → echo module → client), against the same loops calling Akka's
/// <c>Ask</c> with a Ping on an echo actor (a temporary actor and a timeout per request). Both
/// carry the same deadline. This is the local figure.</item>
/// <item>Router and module only, labelled so: bench-only requester actors send <c>Complete</c> straight
/// to the router (no client), against requester actors exchanging Ping/Pong with Tell. The
/// distance between the two grid rows is what the client layer costs.</item>
/// </list>
/// </summary>
public static class LocalBench
{
    public const string ClientComparison = "request via IGrid.CompleteAsync vs akka Ask";
    public const string RouterComparison = "router + module only (bench Tell requester, no client) vs akka Tell";

    private const string Config = """
        akka.loglevel = WARNING
        akka.actor.provider = local
        """;

    public static async Task<LoadReport> RunAsync(LoadOptions options)
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
            long id = 0;

            var client = await BenchSetup.AlternateAsync("local", options,
                "akka Ask request/reply", ClosedLoop.Round(options.Concurrency,
                    () => echo.Ask<Pong>(new Ping(Interlocked.Increment(ref id), payload), BenchSetup.Deadline),
                    pong => pong.Payload.Length == payload.Length),
                "grid via IGrid.CompleteAsync", ClosedLoop.Round(options.Concurrency,
                    () => grid.CompleteAsync(sequence, BenchSetup.Deadline),
                    completion => completion.IsCompleted && completion.Bytes.Length == payload.Length));
            var router = await BenchSetup.AlternateAsync("local", options,
                "akka Tell request/reply", (warmup, window) => RoundAsync(options.Concurrency, warmup, window,
                    meter => system.ActorOf(Props.Create(() => new RawRequester(echo, payload, false, meter)))),
                "grid router + module only", (warmup, window) => RoundAsync(options.Concurrency, warmup, window,
                    meter => system.ActorOf(Props.Create(() => new GridRequester(grid.Router, sequence, meter, null)))));

            return new LoadReport("local", options, client[0], client[1], LoadReport.DescribeMachine())
            {
                Comparisons =
                [
                    new LoadComparison(ClientComparison, client[0], client[1], 0),
                    new LoadComparison(RouterComparison, router[0], router[1], 0),
                ],
                Notes = $"{options.PayloadBytes} B payload; the first pair is the local figure, the second leaves out the client layer every real request goes through",
            };
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>One round of requester actors (the router-only comparison): starts them, measures, and stops them.</summary>
    internal static async Task<LoadMeter> RoundAsync(int concurrency, TimeSpan warmup, TimeSpan window, Func<LoadMeter, IActorRef> startOne)
    {
        var meter = new LoadMeter();
        var requesters = Enumerable.Range(0, concurrency).Select(_ => startOne(meter)).ToList();
        await meter.RunAsync(warmup, window);
        foreach (var requester in requesters) requester.Tell(PoisonPill.Instance);
        return meter;
    }
}
