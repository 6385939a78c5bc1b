using System.Text;
using Akka.TestKit;
using PromiseGrid.TestKit;

namespace PromiseGrid.Kernel.Tests;

/// <summary>
/// PromiseGrid.TestKit's <see cref="GridTestKit"/> (a system running the grid, module start,
/// status assertions) plus what only the kernel's own tests need: route lookups, raw
/// registrations and deadlines. In-process cluster tests start from src/Shared/LoopbackCluster.cs.
/// </summary>
public abstract class KernelTestKit(string config, ITestOutputHelper output) : GridTestKit(config, output)
{
    /// <summary>How long to watch for a message that must not come.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    /// <summary>The grid as the node runs it: router, routes, cache, ledger, security.</summary>
    protected IGridRuntime Runtime => PromiseGrid.Kernel.Client.Grid.GetRuntime(Sys);

    protected Address SelfAddress => ((ExtendedActorSystem)Sys).Provider.DefaultAddress;

    protected static Sequence Seq(string notation) => Sequence.FromText(notation);

    protected static string Text(Sequence bytes) => Encoding.UTF8.GetString(bytes.Span);

    protected static long DeadlineIn(TimeSpan span) => DateTimeOffset.UtcNow.Add(span).ToUnixTimeMilliseconds();

    /// <summary>Routes currently registered for exactly <paramref name="prefix"/>.</summary>
    protected IReadOnlyList<Route> RoutesOf(string prefix) => Runtime.Routes.Snapshot.ValuesOf(Seq(prefix).Span);

    /// <summary>Starts a module, waits until it is routed, and checks it serves each of <paramref name="prefixes"/>.</summary>
    protected async Task<IActorRef> StartModuleAsync(Props props, params string[] prefixes)
    {
        var module = await base.StartModuleAsync(props); // base: this overload would call itself
        foreach (var prefix in prefixes)
            Assert.Contains(RoutesOf(prefix), route => route.Provider.Equals(module));
        return module;
    }

    /// <summary>Registers <paramref name="probe"/> as provider of <paramref name="prefix"/> and waits for the ack.</summary>
    protected async Task RegisterAsync(TestProbe probe, string prefix, string module = "probe", bool pure = false)
    {
        var spec = new RouteSpec(Seq(prefix), module, pure);
        Runtime.Router.Tell(new Register(spec), probe.Ref);
        var ack = await probe.ExpectMsgAsync<Registered>(Patience);
        Assert.Equal(spec, ack.Route);
    }

    /// <summary>Bounds an awaited completion, so a hang fails the test instead of stalling it.</summary>
    protected static Task<T> Bounded<T>(Task<T> task) => task.WaitAsync(Patience);
}
