using Akka.Actor;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Modules;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// The price of capabilities: the local grid path (requester → router → echo module →
/// requester) with checks off, against the same path on a node that trusts an issuer, each
/// request carrying a bearer token for <c>echo/</c> that the node verified once and caches.
/// Two actor systems in one process, identical but for <c>promisegrid.security.trust</c>.
/// </summary>
public static class CapabilitiesBench
{
    public static async Task<IReadOnlyList<LoadFigure>> RunAsync(LoadOptions options)
    {
        using var issuer = GridKey.Generate();
        var token = CapabilityToken.Issue(issuer, Sequence.FromText("echo/").Span, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        var open = ActorSystem.Create("promisegrid", SystemConfig(trust: ""));
        var checking = ActorSystem.Create("promisegrid", SystemConfig(trust: issuer.PublicKeyText));
        try
        {
            var payload = options.Payload();
            var sequence = Sequence.FromText("echo/").Concat(new Sequence(payload));
            var openGrid = await StartEchoAsync(open);
            var checkingGrid = await StartEchoAsync(checking);
            // One instance for every request, as a client holding its token sends it.
            var capability = new Capability(token.Encoded);
            var probe = await checkingGrid.CompleteAsync(sequence, capability);
            if (!probe.IsCompleted) throw new InvalidOperationException($"the checking node refused the bench token: {probe.Reason}");
            return await BenchSetup.AlternateAsync("capabilities", options,
                "grid, capabilities off", (warmup, window) => LocalBench.RoundAsync(options.Concurrency, warmup, window,
                    meter => open.ActorOf(Props.Create(() => new GridRequester(openGrid.Router, sequence, meter, null)))),
                "grid, cached bearer token", (warmup, window) => LocalBench.RoundAsync(options.Concurrency, warmup, window,
                    meter => checking.ActorOf(Props.Create(() => new GridRequester(checkingGrid.Router, sequence, meter, capability)))));
        }
        finally
        {
            await Task.WhenAll(open.Terminate(), checking.Terminate());
        }
    }

    private static Config SystemConfig(string trust) => GridSettings.WithGridDefaults(ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = local
        promisegrid.security.trust = "{{trust}}"
        """));

    private static async Task<IGridRuntime> StartEchoAsync(ActorSystem system)
    {
        var grid = Grid.GetRuntime(system);
        system.ActorOf(EchoModule.Props(), "echo");
        await BenchSetup.AwaitRouteAsync(grid, "echo/");
        return grid;
    }
}
