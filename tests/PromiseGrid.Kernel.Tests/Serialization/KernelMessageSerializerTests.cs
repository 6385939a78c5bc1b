using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Security;
using System.Text;
using Akka;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using PromiseGrid.Kernel.Serialization;

namespace PromiseGrid.Kernel.Tests.Serialization;

/// <summary>A type nobody put on Hyperion's allow-list.</summary>
public sealed record NotAllowedMessage(string Text);

/// <summary>
/// The kernel's wire format: every kernel message through the serializer Akka picks for it
/// and back, edge cases, corrupt input, and the Hyperion allow-list for other objects. The
/// system is created as every grid system must be: with the grid's reference.conf as fallback.
/// </summary>
public sealed class KernelMessageSerializerTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(KernelTestKit.LocalConfig).WithFallback(GridSettings.DefaultConfig()), output: output)
{
    private const int OneMiB = 1048576;
    private const int HyperionId = -5;

    private static readonly long Deadline = DateTimeOffset.Parse("2030-01-02T03:04:05Z").ToUnixTimeMilliseconds();

    private static Sequence AllByteValues => new(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());

    private static Sequence Random(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return new Sequence(bytes);
    }

    /// <summary>One or more samples of every kernel message type, edge cases included.</summary>
    // object, not IKernelMessage: a public theory cannot take the kernel's internal interface.
    public static TheoryData<string, object> Samples() => new()
    {
        { "Complete, empty", new Complete(1, Sequence.Empty, Deadline) },
        { "Complete, all byte values", new Complete(long.MaxValue, AllByteValues, long.MinValue) },
        { "Complete, text", new Complete(-1, Sequence.FromText(@"echo/hello\x00\xff"), Deadline) },
        { "Complete, bearer capability", new Complete(2, Sequence.FromUtf8("echo/x"), Deadline, new Capability(AllByteValues.Memory)) },
        { "Complete, capability with proof", new Complete(3, Sequence.FromUtf8("echo/x"), Deadline, new Capability(Random(1, 700).Memory, Random(2, 100).Memory)) },
        { "Complete, nested", new Complete(4, Sequence.FromUtf8("echo/x"), Deadline, Hops: 3) },
        { "Complete, hops past any limit", new Complete(5, Sequence.FromUtf8("echo/x"), Deadline, null, int.MaxValue) },
        { "Complete, streamed", new Complete(6, Sequence.FromUtf8("gpt/x"), Deadline, Stream: true) },
        { "Complete, traced", new Complete(6, Sequence.FromUtf8("echo/x"), Deadline, Trace: Traced(ActivityTraceFlags.Recorded, null)) },
        { "Complete, traced with tracestate and capability", new Complete(6, Sequence.FromUtf8("echo/x"), Deadline,
            new Capability(Random(3, 90).Memory), Hops: 2, Trace: Traced(ActivityTraceFlags.None, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")) },
        { "CompletionPart", new CompletionPart(7, Sequence.FromUtf8("piece")) },
        { "CompletionPart, all byte values", new CompletionPart(long.MinValue, AllByteValues) },
        { "Completion, kept", Completion.Kept(7, Sequence.FromUtf8("hello"), "echo@akka.tcp://promisegrid@10.0.0.1:4053") },
        { "Completion, kept, empty", Completion.Kept(8, Sequence.Empty, "") },
        { "Completion, failed, non-ASCII reason", Completion.Failed(9, CompletionStatus.ModuleFailed, "möd@node", "Ausnahme: ungültig — 失败 🚫") },
        { "Register", new Register(new RouteSpec(Sequence.FromUtf8("echo/"), "echo")) },
        { "Register, pure, non-ASCII module", new Register(new RouteSpec(AllByteValues, "モジュール-ü", Pure: true)) },
        { "Register, empty prefix", new Register(new RouteSpec(Sequence.Empty, "root")) },
        { "Registered", new Registered(new RouteSpec(Sequence.FromUtf8("a/"), "alpha", Pure: true)) },
        { "RegistrationRefused", new RegistrationRefused(new RouteSpec(Sequence.FromUtf8("a/"), "alpha"), "prefix too long: 2048 > 1024 bytes") },
        { "RegistrationRefused, non-ASCII", new RegistrationRefused(new RouteSpec(Sequence.FromUtf8("ä/"), "ä"), "nicht erlaubt ✗") },
        { "Unregister", new Unregister(Sequence.FromUtf8("echo/")) },
        { "Unregister, empty", new Unregister(Sequence.Empty) },
        { "Unregistered, existed", new Unregistered(Sequence.FromUtf8("echo/"), true) },
        { "Unregistered, absent", new Unregistered(AllByteValues, false) },
        { "NodeRoutes, none", new NodeRoutes("akka.tcp://promisegrid@10.0.0.1:4053", 0, []) },
        { "NodeRoutes, several", SeveralRoutes() },
        { "RoutesDelta, empty", new RoutesDelta("akka.tcp://promisegrid@10.0.0.1:4053", 1, 1, [], []) },
        { "RoutesDelta, added and removed", new RoutesDelta("akka.tcp://promisegrid@node-ü:4053", -4242424242424242L, long.MaxValue,
            SeveralRoutes().Routes, [new RouteEntry(Sequence.FromUtf8("old/"), "", "akka.tcp://promisegrid@node-ü:4053/user/old", false),
                new RouteEntry(AllByteValues, "", "", false)]) },
        { "RoutesSnapshot, empty last", new RoutesSnapshot("akka.tcp://promisegrid@10.0.0.1:4053", 7, 0, 0, true, []) },
        { "RoutesSnapshot, a middle part", new RoutesSnapshot("akka.tcp://promisegrid@node-ü:4053", 7, 12, 300, false, SeveralRoutes().Routes) },
        { "RoutesRequest", new RoutesRequest(-3, -1) },
        { "RoutesVersion", new RoutesVersion("akka.tcp://promisegrid@10.0.0.1:4053", long.MinValue, 42, false) },
        { "RoutesVersion, wants ack", new RoutesVersion("", 1, 0, true) },
        { "RoutesAck", new RoutesAck(long.MaxValue, 3) },
    };

    /// <summary>Route sync (wire format 5): messages a node of the release before never receives.</summary>
    internal static bool IsRouteSync(object message) => message is RoutesDelta or RoutesSnapshot or RoutesRequest or RoutesVersion or RoutesAck;

    /// <summary>A trace context as a reader makes it: remote.</summary>
    internal static ActivityContext Traced(ActivityTraceFlags flags, string? state) =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags, state, isRemote: true);

    private static NodeRoutes SeveralRoutes() => new("akka.tcp://promisegrid@node-ü:4053", -4242424242424242L,
    [
        new RouteEntry(Sequence.FromUtf8("echo/"), "echo", "akka.tcp://promisegrid@node-ü:4053/user/echo#123", false),
        new RouteEntry(Sequence.Empty, "root", "akka.tcp://promisegrid@node-ü:4053/user/root", true),
        new RouteEntry(AllByteValues, "ハッシュ", "akka.tcp://promisegrid@node-ü:4053/user/$a#-9", true),
        new RouteEntry(Random(1, 1024), new string('m', 300), "", false),
    ]);

    private Serializer SerializerFor(object message) => Sys.Serialization.FindSerializerFor(message);

    /// <summary>The way remoting does it: serializer found by type, then id + manifest + bytes back.</summary>
    private (byte[] Bytes, string Manifest, object Back) RoundTrip(object message)
    {
        var serializer = SerializerFor(message);
        var kernel = Assert.IsType<KernelMessageSerializer>(serializer);
        var bytes = kernel.ToBinary(message);
        var manifest = kernel.Manifest(message);
        var back = Sys.Serialization.Deserialize(bytes, kernel.Identifier, manifest);
        return (bytes, manifest, back);
    }

    // ---- binding and identity ----

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_kernel_message_round_trips_through_the_kernel_serializer(string name, object message)
    {
        var (_, manifest, back) = RoundTrip(message);

        Assert.InRange(manifest.Length, 1, 2);
        Assert.IsType(message.GetType(), back);
        // Not formatted on success: Complete.ToString throws for deadlines beyond DateTimeOffset.
        Assert.True(message.Equals(back), $"{name} did not round-trip");
    }

    [Fact]
    public void Every_IKernelMessage_type_has_a_sample_and_its_own_manifest()
    {
        var kernelTypes = typeof(IKernelMessage).Assembly.GetTypes()
            .Where(t => typeof(IKernelMessage).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
            .ToHashSet();
        var samples = Samples().Select(row => (IKernelMessage)row[1]).ToList();
        var serializer = (KernelMessageSerializer)SerializerFor(samples[0]);

        Assert.Equal(kernelTypes.OrderBy(t => t.Name), samples.Select(s => s.GetType()).Distinct().OrderBy(t => t.Name));
        var manifests = samples.GroupBy(s => s.GetType()).ToDictionary(g => g.Key, g => serializer.Manifest(g.First()));
        Assert.Equal(manifests.Count, manifests.Values.Distinct().Count());
    }

    [Fact]
    public void The_serializer_id_is_150_in_code_and_in_reference_conf()
    {
        var serializer = SerializerFor(new Unregister(Sequence.Empty));

        Assert.Equal(150, serializer.Identifier);
        Assert.Equal(KernelMessageSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(150, GridSettings.DefaultConfig().GetConfig("akka.actor.serialization-identifiers")
            .GetInt("\"PromiseGrid.Kernel.Serialization.KernelMessageSerializer, PromiseGrid.Kernel\""));
    }

    [Fact]
    public async Task Grid_defaults_injected_into_a_running_system_rebind_its_serializers()
    {
        // Akka 1.5 rebuilds a system's Serialization when a fallback is injected, so the
        // bindings GridClient injects take effect from then on. Transport settings such as
        // the frame size do not: see KernelMessageRemotingTests.
        var plain = ActorSystem.Create("plain", ConfigurationFactory.ParseString(KernelTestKit.LocalConfig));
        try
        {
            var unregister = new Unregister(Sequence.Empty);
            Assert.IsNotType<KernelMessageSerializer>(plain.Serialization.FindSerializerFor(unregister));

            _ = PromiseGrid.Kernel.Client.Grid.GetRuntime(plain);

            Assert.IsType<KernelMessageSerializer>(plain.Serialization.FindSerializerFor(unregister));
        }
        finally
        {
            await plain.Terminate();
        }
    }

    // ---- edge cases ----

    [Fact]
    public void A_sequence_of_1_MiB_round_trips_in_one_exact_size_array()
    {
        var request = new Complete(42, Random(7, OneMiB), Deadline);

        var (bytes, manifest, back) = RoundTrip(request);

        Assert.Equal(KernelMessageSerializer.CompleteManifest, manifest);
        // version + id + deadline + hops (1-byte varint) + stream flag + 3-byte varint length (2^20 needs 21 bits) + the bytes + no capability.
        Assert.Equal(1 + 8 + 8 + 1 + 1 + 3 + OneMiB + 1, bytes.Length);
        Assert.Equal(request, back);
    }

    [Fact]
    public void A_completion_of_1_MiB_is_sized_exactly()
    {
        var completion = Completion.Kept(42, Random(8, OneMiB), "echo@b");

        var (bytes, _, back) = RoundTrip(completion);

        // version + id + status + provider (1 + 6) + null reason (1) + bytes (3 + 1 MiB).
        Assert.Equal(1 + 8 + 1 + 7 + 1 + 3 + OneMiB, bytes.Length);
        Assert.Equal(completion, back);
    }

    [Fact]
    public void The_sequence_bytes_travel_as_they_are_after_a_small_header()
    {
        var sequence = AllByteValues;

        var (bytes, _, _) = RoundTrip(new Complete(0x0102030405060708, sequence, 0));

        Assert.Equal(3, bytes[0]); // untraced: still version 3, which nodes of the previous release read
        Assert.Equal(new byte[] { 8, 7, 6, 5, 4, 3, 2, 1 }, bytes[1..9]); // little-endian id
        Assert.Equal(0, bytes[17]); // varint hops: 0 from outside the grid
        Assert.Equal(0, bytes[18]); // not streamed
        Assert.Equal(new byte[] { 0x80, 0x02 }, bytes[19..21]); // varint 256
        Assert.Equal(sequence.Span.ToArray(), bytes[21..^1]);
        Assert.Equal(0, bytes[^1]); // no capability
    }

    [Fact]
    public void A_received_sequence_wraps_the_received_array_instead_of_copying_it()
    {
        var serializer = (KernelMessageSerializer)SerializerFor(new Complete(1, Sequence.Empty, 0));
        var bytes = serializer.ToBinary(new Complete(1, AllByteValues, 0));

        var back = (Complete)Sys.Serialization.Deserialize(bytes, serializer.Identifier, KernelMessageSerializer.CompleteManifest);

        Assert.True(MemoryMarshal.TryGetArray(back.Sequence.Memory, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(bytes.Length - 256 - 1, segment.Offset);
    }

    public static TheoryData<CompletionStatus> Statuses() => new(Enum.GetValues<CompletionStatus>());

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Every_status_round_trips_with_and_without_a_reason(CompletionStatus status)
    {
        foreach (var reason in new[] { null, "", "why: ünïcödé ✓" })
        {
            var completion = new Completion(3, status, AllByteValues, "provider@node", reason);

            var (_, manifest, back) = RoundTrip(completion);

            Assert.Equal(KernelMessageSerializer.CompletionManifest, manifest);
            var received = Assert.IsType<Completion>(back);
            Assert.Equal(completion, received);
            Assert.Equal(reason, received.Reason); // null stays null, "" stays ""
        }
    }

    [Fact]
    public void Node_routes_with_a_default_array_travel_as_no_routes()
    {
        var back = (NodeRoutes)RoundTrip(new NodeRoutes("n", 1, default)).Back;

        Assert.True(back.Routes.IsEmpty);
        Assert.Equal("n", back.Node);
    }

    [Fact]
    public void Random_messages_round_trip()
    {
        var random = new Random(20240601);
        for (var i = 0; i < 300; i++)
        {
            var sequence = Random(random.Next(), random.Next(0, 3000));
            var id = random.NextInt64(long.MinValue, long.MaxValue);
            var status = (CompletionStatus)random.Next(0, 7);
            var text = new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0x20, 0xD7FF)).ToArray());
            IKernelMessage[] messages =
            [
                new Complete(id, sequence, random.NextInt64()),
                new Completion(id, status, sequence, text, random.Next(2) == 0 ? null : text),
                new Register(new RouteSpec(sequence, text, random.Next(2) == 0)),
                new Unregistered(sequence, random.Next(2) == 0),
                new NodeRoutes(text, id, [new RouteEntry(sequence, text, text, true), new RouteEntry(Sequence.Empty, "", text, false)]),
            ];
            foreach (var message in messages)
                Assert.True(message.Equals(RoundTrip(message).Back), $"case {i}: {message.GetType().Name} did not round-trip");
        }
    }

    // ---- corrupt and unknown input ----

    [Fact]
    public void An_unknown_manifest_is_refused_naming_it()
    {
        var serializer = (KernelMessageSerializer)SerializerFor(new Unregister(Sequence.Empty));
        var bytes = serializer.ToBinary(new Unregister(Sequence.Empty));

        var error = Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(bytes, serializer.Identifier, "ZZ"));

        Assert.Contains("'ZZ'", error.Message);
    }

    [Fact]
    public void An_unknown_format_version_is_refused()
    {
        var serializer = (KernelMessageSerializer)SerializerFor(new Unregister(Sequence.Empty));
        var bytes = serializer.ToBinary(new Unregister(Sequence.FromUtf8("x")));
        bytes[0] = 1; // the layout before capabilities rode on Complete

        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, KernelMessageSerializer.UnregisterManifest));

        Assert.Contains("format version 1", error.Message);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_truncation_and_every_extra_byte_is_refused(string name, object message)
    {
        var serializer = (KernelMessageSerializer)SerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = serializer.Manifest(message);

        // Every cut of a small message; for big ones the cuts near both ends and the middle.
        var cuts = bytes.Length <= 2048
            ? Enumerable.Range(0, bytes.Length)
            : Enumerable.Range(0, 64).Concat(Enumerable.Range(bytes.Length - 64, 64)).Append(bytes.Length / 2);
        foreach (var cut in cuts)
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..cut], manifest));
        var longer = bytes.Append((byte)0).ToArray();
        Assert.True(Assert.Throws<SerializationException>(() => serializer.FromBinary(longer, manifest)).Message.Contains("unexpected bytes"), name);
    }

    [Fact]
    public void An_unknown_status_is_refused()
    {
        var serializer = (KernelMessageSerializer)SerializerFor(Completion.Kept(1, Sequence.Empty, "p"));
        var bytes = serializer.ToBinary(Completion.Kept(1, Sequence.Empty, "p"));
        bytes[9] = 200; // after version and id

        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, KernelMessageSerializer.CompletionManifest));

        Assert.Contains("status 200", error.Message);
    }

    [Fact]
    public void Malformed_UTF8_and_bad_booleans_are_refused()
    {
        var serializer = (KernelMessageSerializer)SerializerFor(new Unregister(Sequence.Empty));
        var register = serializer.ToBinary(new Register(new RouteSpec(Sequence.Empty, "ab")));
        // [version][prefix length 0][module length 2]['a']['b'][pure]
        var badUtf8 = (byte[])register.Clone();
        badUtf8[3] = 0xFF;
        var badBool = (byte[])register.Clone();
        badBool[^1] = 2;

        Assert.Throws<SerializationException>(() => serializer.FromBinary(badUtf8, KernelMessageSerializer.RegisterManifest));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(badBool, KernelMessageSerializer.RegisterManifest));
    }

    [Fact]
    public void A_corrupt_route_count_does_not_allocate_for_it()
    {
        var serializer = (KernelMessageSerializer)SerializerFor(new Unregister(Sequence.Empty));
        var bytes = serializer.ToBinary(new NodeRoutes("n", 1, []));
        bytes[^1] = 0x7F; // claims 127 entries in 0 remaining bytes

        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, KernelMessageSerializer.NodeRoutesManifest));

        Assert.Contains("127 route entries", error.Message);
    }

    [Fact]
    public void Objects_that_are_not_kernel_messages_are_refused_by_the_kernel_serializer()
    {
        var serializer = (KernelMessageSerializer)SerializerFor(new Unregister(Sequence.Empty));

        Assert.Throws<SerializationException>(() => serializer.ToBinary("not a kernel message"));
        Assert.Throws<SerializationException>(() => serializer.Manifest(WithdrawRoutes.Instance));
    }

    // ---- Hyperion for everything else, with its allow-list ----

    [Fact]
    public void Other_objects_go_to_hyperion_and_an_allowed_type_round_trips()
    {
        var serializer = SerializerFor(Done.Instance);

        Assert.IsType<AllowListHyperionSerializer>(serializer);
        Assert.Equal(HyperionId, serializer.Identifier);
        Assert.IsType<Done>(Sys.Serialization.Deserialize(serializer.ToBinary(Done.Instance), HyperionId, typeof(Done)));
    }

    [Fact]
    public void A_type_that_is_not_allowed_is_refused_when_sent()
    {
        var serializer = SerializerFor(new NotAllowedMessage("x"));

        Assert.IsType<AllowListHyperionSerializer>(serializer);
        Assert.ThrowsAny<SecurityException>(() => serializer.ToBinary(new NotAllowedMessage("x")));
    }

    [Fact]
    public void A_type_that_is_not_allowed_is_refused_when_received()
    {
        // What a peer without the allow-list (or a hostile one) would put on the wire.
        var unfiltered = new HyperionSerializer((ExtendedActorSystem)Sys, HyperionSerializerSettings.Default);
        var evil = unfiltered.ToBinary(new NotAllowedMessage("x"));
        var fine = unfiltered.ToBinary(Done.Instance);

        var error = Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(evil, HyperionId, typeof(object)));
        Assert.Contains(nameof(NotAllowedMessage), error.Message);
        Assert.IsType<Done>(Sys.Serialization.Deserialize(fine, HyperionId, typeof(object)));
    }

    [Fact]
    public void Stock_hyperion_with_an_allow_list_refuses_to_send_even_the_listed_types()
    {
        // Why AllowListHyperionSerializer exists (Hyperion 0.12.2): if this starts passing,
        // Hyperion has fixed its serialize-side check and the wrapper can go.
        var settings = HyperionSerializerSettings.Create(ConfigurationFactory.ParseString("""
            disallow-unsafe-type = on
            allowed-types = ["Akka.Done, Akka"]
            """));
        var stock = new HyperionSerializer((ExtendedActorSystem)Sys, settings);

        Assert.ThrowsAny<SecurityException>(() => stock.ToBinary(Done.Instance));
    }

    [Fact]
    public void The_short_name_filter_matches_short_and_full_names_of_listed_types_only()
    {
        var filter = new ShortNameTypeFilter(["Akka.Done, Akka", "System.Collections.Generic.List`1[[System.String, System.Private.CoreLib,%core%]], System.Private.CoreLib,%core%"]);

        Assert.True(filter.IsAllowed("Akka.Done, Akka"));
        Assert.True(filter.IsAllowed(typeof(Done).AssemblyQualifiedName!));
        Assert.True(filter.IsAllowed(typeof(List<string>).AssemblyQualifiedName!));
        Assert.False(filter.IsAllowed(typeof(List<int>).AssemblyQualifiedName!));
        Assert.False(filter.IsAllowed(typeof(NotAllowedMessage).AssemblyQualifiedName!));
        Assert.False(filter.IsAllowed("Akka.Done, Akka.Evil"));
    }

    // ---- remoting limits ----

    [Fact]
    public void The_frame_size_and_socket_buffers_carry_a_sequence_of_max_sequence_bytes()
    {
        var config = Sys.Settings.Config;
        var frame = config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size");
        var largest = new KernelMessageSerializer((ExtendedActorSystem)Sys)
            .ToBinary(new Complete(long.MaxValue, new byte[GridSettings.Create(Sys).MaxSequenceBytes], long.MaxValue)).Length;

        // The envelope (recipient and sender paths, manifest, ids) needs a few hundred bytes more.
        Assert.True(frame >= largest + 16 * 1024, $"frame {frame} too small for {largest} bytes plus envelope");
        Assert.True(config.GetByteSize("akka.remote.dot-netty.tcp.send-buffer-size") >= frame);
        Assert.True(config.GetByteSize("akka.remote.dot-netty.tcp.receive-buffer-size") >= frame);
    }

    [Fact]
    public void The_UTF8_sizes_used_for_exact_sizing_match_the_encoder()
    {
        foreach (var text in new[] { "", "a", "ü", "€", "🚫", new string('x', 200), "モジュール" })
        {
            var message = new RegistrationRefused(new RouteSpec(Sequence.Empty, text), text);
            var (bytes, _, back) = RoundTrip(message);
            var count = Encoding.UTF8.GetByteCount(text);
            var varint = count < 128 ? 1 : 2;
            Assert.Equal(1 + 1 + 2 * (varint + count) + 1, bytes.Length);
            Assert.Equal(message, back);
        }
    }
}
