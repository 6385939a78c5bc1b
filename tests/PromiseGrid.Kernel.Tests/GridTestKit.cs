using System.Text;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace PromiseGrid.Kernel.Tests;

/// <summary>Shared configs and helpers: a TestKit whose system runs the grid (router and client).</summary>
public abstract class GridTestKit(string config, ITestOutputHelper output)
    : TestKit(ConfigurationFactory.ParseString(config), output: output)
{
    public const string LocalConfig = """
        akka.loglevel = WARNING
        akka.actor.provider = local
        """;

    /// <summary>
    /// The base of every in-process cluster test: loopback remoting on a free port and fast
    /// replication; each test adds its failure-detector (and downing) settings.
    /// </summary>
    public const string LoopbackClusterConfig = """
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.distributed-data.gossip-interval = 200ms
        akka.cluster.distributed-data.notify-subscribers-interval = 50ms
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off

        """;

    /// <summary>Long enough for any reply that is due; tests never wait this long when all is well.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>How long to watch for a message that must not come.</summary>
    protected static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    protected IGrid Grid => PromiseGrid.Kernel.Client.Grid.Get(Sys);

    protected Address SelfAddress => ((ExtendedActorSystem)Sys).Provider.DefaultAddress;

    protected static Sequence Seq(string notation) => Sequence.FromText(notation);

    protected static string Text(Sequence bytes) => Encoding.UTF8.GetString(bytes.Span);

    protected static long DeadlineIn(TimeSpan span) => DateTimeOffset.UtcNow.Add(span).ToUnixTimeMilliseconds();

    /// <summary>Routes currently registered for exactly <paramref name="prefix"/>.</summary>
    protected IReadOnlyList<Route> RoutesOf(string prefix) => Grid.Routes.Snapshot.ValuesOf(Seq(prefix).Span);

    /// <summary>Starts a module and waits until the router routes every one of its prefixes to it.</summary>
    protected async Task<IActorRef> StartModuleAsync(Props props, params string[] prefixes)
    {
        _ = Grid; // the router must exist before the module registers
        var module = Sys.ActorOf(props);
        await AwaitAssertAsync(() =>
        {
            foreach (var prefix in prefixes)
                Assert.Contains(RoutesOf(prefix), route => route.Provider.Equals(module));
        }, Patience);
        return module;
    }

    /// <summary>Registers <paramref name="probe"/> as provider of <paramref name="prefix"/> and waits for the ack.</summary>
    protected async Task RegisterAsync(TestProbe probe, string prefix, string module = "probe", bool pure = false)
    {
        var spec = new RouteSpec(Seq(prefix), module, pure);
        Grid.Router.Tell(new Register(spec), probe.Ref);
        var ack = await probe.ExpectMsgAsync<Registered>(Patience);
        Assert.Equal(spec, ack.Route);
    }

    /// <summary>Asserts the status, showing the reason and provider when it differs.</summary>
    protected static void AssertStatus(CompletionStatus expected, Completion completion) =>
        Assert.True(completion.Status == expected,
            $"expected {expected} but got {completion.Status} from {completion.Provider}: {completion.Reason}");

    /// <summary>Bounds an awaited completion, so a hang fails the test instead of stalling it.</summary>
    protected static Task<T> Bounded<T>(Task<T> task) => task.WaitAsync(Patience);
}
