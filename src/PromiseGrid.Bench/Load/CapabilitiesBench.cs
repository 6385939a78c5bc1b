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
/// The price of capabilities: local requests through <c>IGrid.CompleteAsync</c> (client → router →
/// echo module → client, from closed-loop async requesters, <see cref="ClosedLoop"/>) with checks
/// off, against the same requests on a node that trusts an issuer, each carrying a bearer token for
/// <c>echo/</c> that the node verified once and caches. Two actor systems in one process,
/// identical but for <c>promisegrid.security.trust</c>.
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
            var expected = payload.Length;
            return await BenchSetup.AlternateAsync("capabilities", options,
                "grid, capabilities off", ClosedLoop.Round(options.Concurrency,
                    () => openGrid.CompleteAsync(sequence, null, BenchSetup.Deadline),
                    completion => completion.IsCompleted && completion.Bytes.Length == expected),
                "grid, cached bearer token", ClosedLoop.Round(options.Concurrency,
                    () => checkingGrid.CompleteAsync(sequence, capability, BenchSetup.Deadline),
                    completion => completion.IsCompleted && completion.Bytes.Length == expected));
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
