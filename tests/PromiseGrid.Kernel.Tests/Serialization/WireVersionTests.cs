using System.Diagnostics;
using System.Runtime.Serialization;
using Akka.TestKit.Xunit2;
using PromiseGrid.Kernel.Serialization;
using PromiseGrid.Kernel.Tests.Serialization.FrozenV3;

namespace PromiseGrid.Kernel.Tests.Serialization;

/// <summary>
/// Rolling upgrades at the byte level (docs/wire.md#versions): the current serializer reads wire
/// format 3 as the previous release wrote it (golden vectors, and the frozen v3 serializer's output
/// for every sample), writes version 3 for everything but a traced Complete (version 4) and route
/// sync (version 5, sent only to nodes that read it), and the extension block skips tags it does not know.
/// </summary>
public sealed class WireVersionTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(KernelTestKit.LocalConfig).WithFallback(GridSettings.DefaultConfig()), output: output)
{
    private KernelMessageSerializer Current => new((ExtendedActorSystem)Sys);
    private FrozenV3Serializer V3 => new((ExtendedActorSystem)Sys);

    /// <summary>docs/wire.md's first example, as a v3 node writes it.</summary>
    private static readonly byte[] GoldenV3Complete = Convert.FromHexString(
        "03" + "0100000000000000" + "80ff4be39a010000" + "00" + "00" + "07" + "6563686f2f6869" + "00");

    /// <summary>docs/wire.md's second example.</summary>
    private static readonly byte[] GoldenV3Completion = Convert.FromHexString(
        "03" + "0100000000000000" + "00" + "2a" + Convert.ToHexString("echo@akka.tcp://promisegrid@127.0.0.1:4053"u8) + "00" + "026869");

    [Fact]
    public void The_golden_v3_vectors_read_as_the_messages_they_encode_and_are_written_the_same_again()
    {
        var complete = Assert.IsType<Complete>(Current.FromBinary(GoldenV3Complete, KernelMessageSerializer.CompleteManifest));
        var completion = Assert.IsType<Completion>(Current.FromBinary(GoldenV3Completion, KernelMessageSerializer.CompletionManifest));

        Assert.Equal(new Complete(1, Sequence.FromUtf8("echo/hi"), 1764750000000), complete);
        Assert.False(complete.IsTraced);
        Assert.Equal(Completion.Kept(1, Sequence.FromUtf8("hi"), "echo@akka.tcp://promisegrid@127.0.0.1:4053"), completion);
        Assert.Equal(GoldenV3Complete, Current.ToBinary(complete));
        Assert.Equal(GoldenV3Completion, Current.ToBinary(completion));
    }

    [Theory]
    [MemberData(nameof(KernelMessageSerializerTests.Samples), MemberType = typeof(KernelMessageSerializerTests))]
    public void Every_untraced_message_is_written_byte_for_byte_as_v3_wrote_it_and_each_side_reads_the_other(string name, object message)
    {
        if (message is Complete { IsTraced: true }) return; // the one message v3 cannot carry: see below
        if (KernelMessageSerializerTests.IsRouteSync(message)) return; // sent only to nodes that read version 5: see below
        var manifest = Current.Manifest(message);

        var mine = Current.ToBinary(message);
        var theirs = V3.ToBinary(message);

        Assert.True(theirs.AsSpan().SequenceEqual(mine), $"{name}: written differently from v3");
        Assert.True(message.Equals(Current.FromBinary(theirs, manifest)), $"{name}: v3 bytes not read back");
        Assert.True(message.Equals(V3.FromBinary(mine, manifest)), $"{name}: a v3 node can't read it");
    }

    [Fact]
    public void A_traced_complete_is_version_4_with_the_trace_context_as_extension_1_and_a_v3_node_refuses_it()
    {
        var trace = new ActivityContext(ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"),
            ActivitySpanId.CreateFromString("00f067aa0ba902b7"), ActivityTraceFlags.Recorded, null, isRemote: true);
        var complete = new Complete(1, Sequence.FromUtf8("echo/hi"), 1764750000000, Trace: trace);

        var bytes = Current.ToBinary(complete);

        var expected = Convert.FromHexString("04" + Convert.ToHexString(GoldenV3Complete.AsSpan(1))
            + "01" + "01" + "19" + "4bf92f3577b34da6a3ce929d0e0e4736" + "00f067aa0ba902b7" + "01");
        Assert.Equal(expected, bytes);
        Assert.Equal(complete, Current.FromBinary(bytes, KernelMessageSerializer.CompleteManifest));
        var refusal = Assert.Throws<SerializationException>(() => V3.FromBinary(bytes, KernelMessageSerializer.CompleteManifest));
        Assert.Contains("format version 4", refusal.Message);
    }

    [Theory]
    [MemberData(nameof(KernelMessageSerializerTests.Samples), MemberType = typeof(KernelMessageSerializerTests))]
    public void Route_sync_messages_are_version_5_with_an_empty_extension_block_and_a_v3_node_refuses_them(string name, object message)
    {
        if (!KernelMessageSerializerTests.IsRouteSync(message)) return;
        var manifest = Current.Manifest(message);

        var bytes = Current.ToBinary(message);

        Assert.True(bytes[0] == 5, $"{name}: version {bytes[0]}");
        Assert.True(bytes[^1] == 0, $"{name}: no empty extension block at the end");
        Assert.True(message.Equals(Current.FromBinary(bytes, manifest)), $"{name}: not read back");
        Assert.Throws<SerializationException>(() => V3.FromBinary(bytes, manifest));
        var asVersion4 = (byte[])bytes.Clone();
        asVersion4[0] = 4;
        var refusal = Assert.Throws<SerializationException>(() => Current.FromBinary(asVersion4, manifest));
        Assert.Contains("need format version 5", refusal.Message);
    }

    [Fact]
    public void Unknown_extension_tags_are_skipped_so_the_next_optional_field_needs_no_new_version()
    {
        // An untraced Complete in version 4 with two entries a newer node might send: tag 2 (3 bytes) and tag 300 (empty).
        var bytes = Convert.FromHexString("04" + Convert.ToHexString(GoldenV3Complete.AsSpan(1)) + "02" + "02" + "03" + "aabbcc" + "ac02" + "00");

        var read = Assert.IsType<Complete>(Current.FromBinary(bytes, KernelMessageSerializer.CompleteManifest));

        Assert.Equal(new Complete(1, Sequence.FromUtf8("echo/hi"), 1764750000000), read);
        // Any message may carry the block in version 4, not only Complete.
        var completion = Convert.FromHexString("04" + Convert.ToHexString(GoldenV3Completion.AsSpan(1)) + "01" + "07" + "00");
        Assert.IsType<Completion>(Current.FromBinary(completion, KernelMessageSerializer.CompletionManifest));
    }

    [Theory]
    [InlineData("01" + "01" + "18" + "4bf92f3577b34da6a3ce929d0e0e4736" + "00f067aa0ba902b7", "at least 25 bytes")]
    [InlineData("01" + "01" + "19" + "00000000000000000000000000000000" + "00f067aa0ba902b7" + "01", "all-zero")]
    [InlineData("01" + "01" + "19" + "4bf92f3577b34da6a3ce929d0e0e4736" + "0000000000000000" + "01", "all-zero")]
    [InlineData("01" + "01" + "1a" + "4bf92f3577b34da6a3ce929d0e0e4736" + "00f067aa0ba902b7" + "01" + "ff", "UTF-8")]
    [InlineData("05", "can't fit")]
    [InlineData("01" + "07" + "05" + "00", "claims 5 bytes")]
    [InlineData("", "ends before")]
    public void A_corrupt_extension_block_is_refused(string block, string why)
    {
        var bytes = Convert.FromHexString("04" + Convert.ToHexString(GoldenV3Complete.AsSpan(1)) + block);

        var error = Assert.Throws<SerializationException>(() => Current.FromBinary(bytes, KernelMessageSerializer.CompleteManifest));

        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void A_tracestate_longer_than_W3C_allows_is_left_out_and_the_trace_kept()
    {
        var trace = KernelMessageSerializerTests.Traced(ActivityTraceFlags.Recorded, "k=" + new string('v', 600));

        var back = Assert.IsType<Complete>(Current.FromBinary(Current.ToBinary(new Complete(1, Sequence.FromUtf8("x"), 0, Trace: trace)),
            KernelMessageSerializer.CompleteManifest));

        Assert.Equal(trace.TraceId, back.Trace.TraceId);
        Assert.Equal(trace.SpanId, back.Trace.SpanId);
        Assert.Null(back.Trace.TraceState);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public void Versions_outside_3_to_5_are_refused_naming_the_range(byte version)
    {
        var bytes = (byte[])GoldenV3Complete.Clone();
        bytes[0] = version;

        var error = Assert.Throws<SerializationException>(() => Current.FromBinary(bytes, KernelMessageSerializer.CompleteManifest));

        Assert.Contains($"format version {version}; this node reads versions 3 to 5", error.Message);
    }

    [Fact]
    public void A_node_advertises_the_version_it_reads_as_a_cluster_role_beside_the_operators_roles()
    {
        var config = GridSettings.WithGridDefaults(ConfigurationFactory.ParseString("""akka.cluster.roles = ["store", "promisegrid-wire-3"]"""));

        var roles = config.GetStringList("akka.cluster.roles");

        Assert.Equal(["store", "promisegrid-wire-5"], roles);
        Assert.Equal(5, WireVersionRole.ReadBy(roles));
        Assert.Equal(4, WireVersionRole.ReadBy(["promisegrid-wire-4"])); // the release before route sync
        Assert.Equal(3, WireVersionRole.ReadBy(["store"])); // the release before roles were advertised
        Assert.Equal(3, WireVersionRole.ReadBy(["promisegrid-wire-x"]));
        Assert.Equal(["promisegrid-wire-5"], GridSettings.WithGridDefaults(ConfigurationFactory.Empty).GetStringList("akka.cluster.roles"));
    }
}
