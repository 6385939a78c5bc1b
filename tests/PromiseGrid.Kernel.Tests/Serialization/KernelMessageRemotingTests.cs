using Akka;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace PromiseGrid.Kernel.Tests.Serialization;

/// <summary>Answers a Complete with a Completion of the same bytes; sends anything else back as it came.</summary>
public sealed class WireEchoActor : ReceiveActor
{
    public WireEchoActor() =>
        ReceiveAny(message => Sender.Tell(message is Complete complete
            ? Completion.Kept(complete.Id, complete.Sequence, "wire-echo@b")
            : message));
}

/// <summary>
/// Two (or more) real actor systems in one process, talking over loopback TCP: kernel messages
/// as large as promisegrid.max-sequence-bytes cross the wire through the kernel serializer, and
/// Hyperion's allow-list refuses other types on either side. Replies are awaited, never slept
/// for; a message that must not arrive is shown absent by a later one that arrives first on
/// the same (ordered) connection.
/// </summary>
public sealed class KernelMessageRemotingTests : Akka.TestKit.Xunit2.TestKit
{
    private const string RemoteConfig = """
        akka.loglevel = WARNING
        akka.actor.provider = remote
        akka.actor.serialize-messages = off
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<ActorSystem> _others = [];
    private readonly ActorSystem _b;

    public KernelMessageRemotingTests(ITestOutputHelper output)
        : base(GridConfig(), "node-a", output)
    {
        _b = Start("node-b", GridConfig());
        _b.ActorOf(Props.Create<WireEchoActor>(), "echo");
    }

    /// <summary>How every grid system must be created: its own keys over the grid's reference.conf.</summary>
    private static Config GridConfig(string extra = "") =>
        ConfigurationFactory.ParseString(extra).WithFallback(ConfigurationFactory.ParseString(RemoteConfig))
            .WithFallback(GridSettings.DefaultConfig());

    private ActorSystem Start(string name, Config config)
    {
        var system = ActorSystem.Create(name, config);
        _others.Add(system);
        return system;
    }

    private static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    private static Task<IActorRef> EchoOn(ActorSystem from, ActorSystem target) =>
        from.ActorSelection(new RootActorPath(AddressOf(target)) / "user" / "echo").ResolveOne(Patience);

    private static Sequence RandomSequence(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return new Sequence(bytes);
    }

    private static long Deadline => DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_complete_of_max_sequence_bytes_crosses_to_another_node_and_its_completion_comes_back_intact()
    {
        var maxBytes = GridSettings.Create(Sys).MaxSequenceBytes;
        Assert.Equal(1048576, maxBytes);
        var sequence = RandomSequence(maxBytes);
        var echo = await EchoOn(Sys, _b);

        echo.Tell(new Complete(77, sequence, Deadline), TestActor);

        var completion = await ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(77, completion.Id);
        Assert.Equal(CompletionStatus.Completed, completion.Status);
        Assert.Equal("wire-echo@b", completion.Provider);
        Assert.Null(completion.Reason);
        Assert.True(sequence == completion.Bytes, "the 1 MiB sequence came back changed");
    }

    [Fact]
    public async Task Every_kernel_message_crosses_the_wire_unchanged()
    {
        var echo = await EchoOn(Sys, _b);
        IKernelMessage[] messages =
        [
            new Register(new RouteSpec(Sequence.FromText(@"a/\x00\xff"), "mödule", Pure: true)),
            new Registered(new RouteSpec(Sequence.Empty, "root")),
            new RegistrationRefused(new RouteSpec(Sequence.FromUtf8("x"), "x"), "nein ✗"),
            new Unregister(Sequence.FromUtf8("a/")),
            new Unregistered(Sequence.FromUtf8("a/"), true),
            new NodeRoutes(AddressOf(_b).ToString(), 12345, [new RouteEntry(Sequence.FromUtf8("e/"), "echo", "akka.tcp://x@y:1/user/e", false)]),
            new Completion(5, CompletionStatus.Overloaded, Sequence.Empty, "p", "busy"),
        ];

        foreach (var message in messages)
        {
            echo.Tell(message, TestActor);
            var back = await ExpectMsgAsync<IKernelMessage>(Patience);
            Assert.True(message.Equals(back), $"{message.GetType().Name} came back as {back}");
        }
    }

    [Fact]
    public async Task Grid_defaults_injected_after_start_leave_the_frame_size_too_small_for_a_max_size_sequence()
    {
        // Two systems created without the grid's reference.conf; the grid client injects it
        // when it starts. Serializers are rebound then, but the transport has already read its
        // frame size (Akka's 128000b): the 1 MiB request is dropped, the small one behind it arrives.
        var plainConfig = ConfigurationFactory.ParseString(RemoteConfig);
        var c = Start("node-c", plainConfig);
        var d = Start("node-d", plainConfig);
        _ = PromiseGrid.Kernel.Client.Grid.GetRuntime(c);
        _ = PromiseGrid.Kernel.Client.Grid.GetRuntime(d);
        d.ActorOf(Props.Create<WireEchoActor>(), "echo");
        var probe = CreateTestProbe(c);
        var echo = await EchoOn(c, d);

        echo.Tell(new Complete(1, RandomSequence(1048576), Deadline), probe.Ref);
        echo.Tell(new Complete(2, Sequence.FromUtf8("small"), Deadline), probe.Ref);

        var first = await probe.ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(2, first.Id);
        Assert.Equal(Sequence.FromUtf8("small"), first.Bytes);
    }

    [Fact]
    public async Task An_allowed_type_crosses_through_hyperion_and_a_type_not_allowed_is_refused_by_its_sender()
    {
        var echo = await EchoOn(Sys, _b);

        echo.Tell(new NotAllowedMessage("must not arrive"), TestActor);
        echo.Tell(Done.Instance, TestActor);
        echo.Tell(new Complete(3, Sequence.FromUtf8("after"), Deadline), TestActor);

        // Had the refused message been delivered, its echo would come first.
        await ExpectMsgAsync<Done>(Patience);
        Assert.Equal(3, (await ExpectMsgAsync<Completion>(Patience)).Id);
    }

    [Fact]
    public async Task A_type_not_allowed_is_refused_on_arrival_from_a_node_without_the_allow_list()
    {
        // A peer whose Hyperion allows every type (an empty list turns filtering off) sends a
        // type that this grid's allow-list does not hold.
        var lax = Start("node-lax", GridConfig("akka.actor.serialization-settings.hyperion.allowed-types = []"));
        var probe = CreateTestProbe(lax);
        var echo = await EchoOn(lax, _b);

        echo.Tell(new NotAllowedMessage("must not arrive"), probe.Ref);
        echo.Tell(new Complete(4, Sequence.FromUtf8("after"), Deadline), probe.Ref);

        // Had node b accepted it, the echo would have sent it back first (the lax node can read it).
        var first = await probe.ExpectMsgAsync<object>(Patience);
        var completion = Assert.IsType<Completion>(first);
        Assert.Equal(4, completion.Id);
    }

    protected override void AfterAll()
    {
        foreach (var system in _others)
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
