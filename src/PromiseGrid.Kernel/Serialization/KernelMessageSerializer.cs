using System.Collections.Immutable;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Serialization;

/// <summary>
/// The wire format of every <see cref="IKernelMessage"/> (docs/wire.md): a hand-written,
/// little-endian binary layout, bound in reference.conf to <c>IKernelMessage</c>.
/// </summary>
/// <remarks>
/// <para>
/// Every payload starts with one <b>format-version byte</b>, followed by the fields of the
/// message named by the manifest. A reader takes versions <see cref="OldestReadVersion"/> to
/// <see cref="FormatVersion"/>; a writer writes the <i>lowest</i> version that carries the message,
/// so everything but a traced <c>Complete</c> is still version 3, byte for byte, and nodes of both
/// versions share a cluster during a rolling upgrade (docs/wire.md#versions). Version 4 adds, after a
/// message's last field, an extension block (<see cref="WireExtensions"/>): tagged, length-prefixed
/// entries a reader skips when it does not know the tag, so the next optional field needs a new tag,
/// not a new version. Manifests stay short and never change meaning.
/// </para>
/// <para>Primitives:</para>
/// <list type="bullet">
/// <item><c>int64</c>: 8 bytes, little-endian.</item>
/// <item><c>varint</c>: unsigned LEB128, at most 5 bytes (32 bits).</item>
/// <item><c>bytes</c>: varint length, then the bytes as they are.</item>
/// <item><c>string</c>: varint byte count, then UTF-8.</item>
/// <item><c>string?</c>: varint (byte count + 1, or 0 for null), then UTF-8.</item>
/// <item><c>bool</c>, <c>status</c>: 1 byte (0/1; the <see cref="CompletionStatus"/> value).</item>
/// </list>
/// <para>Layouts after the version byte (manifest: fields):</para>
/// <list type="bullet">
/// <item><c>C</c> Complete: id int64, deadline int64 (Unix ms), hops varint, stream bool, sequence
/// bytes, then capability: bool present, and if present token bytes, proof bytes.</item>
/// <item><c>CN</c> Completion: id int64, status, provider string, reason string?, bytes.</item>
/// <item><c>CP</c> CompletionPart: id int64, bytes.</item>
/// <item><c>R</c>/<c>RD</c> Register/Registered: route = prefix bytes, module string, pure bool.</item>
/// <item><c>RF</c> RegistrationRefused: route, reason string.</item>
/// <item><c>U</c> Unregister: prefix bytes.</item>
/// <item><c>UD</c> Unregistered: prefix bytes, existed bool.</item>
/// <item><c>N</c> NodeRoutes: node string, incarnation int64, varint count, then per entry:
/// prefix bytes, module string, provider path string, pure bool.</item>
/// <item>Route sync, version 5 (docs/wire.md#route-sync), each followed by an empty extension block:
/// <c>RX</c> RoutesDelta: node string, incarnation int64, version int64, varint count of added
/// entries (as in <c>N</c>), varint count of removed ones (prefix bytes, provider path string);
/// <c>RS</c> RoutesSnapshot: node string, incarnation int64, version int64, part varint, last bool,
/// varint count of entries (as in <c>N</c>); <c>RQ</c> RoutesRequest: incarnation int64, version int64;
/// <c>RV</c> RoutesVersion: node string, incarnation int64, version int64, wants-ack bool;
/// <c>RA</c> RoutesAck: incarnation int64, version int64.</item>
/// </list>
/// <para>
/// Sizes are computed first, so each message is written into one array of exactly its size
/// (the array is handed over to Akka, which keeps it, so it cannot come from a pool); a
/// sequence's bytes are copied once, into that array. On the way in, sequences wrap slices of
/// the received array instead of copying: Akka.Remote gives every message an array of its own.
/// A payload must be consumed exactly; short, long or malformed input is a
/// <see cref="SerializationException"/>.
/// </para>
/// </remarks>
internal sealed class KernelMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer id on the wire; reference.conf's <c>serialization-identifiers</c> names the same number.</summary>
    public const int SerializerId = 150;

    /// <summary>
    /// The newest format version, the first byte of a payload that needs it. Version 2 added the
    /// capability to Complete, version 3 its hops and stream flag and CompletionPart, version 4 the
    /// extension block after the last field (the trace context of a Complete is its first entry),
    /// version 5 the route sync messages (<c>RX RS RQ RV RA</c>), which go only to nodes that read it.
    /// </summary>
    public const byte FormatVersion = 5;

    /// <summary>The version that brought the extension block: a traced <c>Complete</c> is written with it.</summary>
    public const byte ExtensionsVersion = 4;

    /// <summary>The version that brought route sync: its messages are written with it.</summary>
    public const byte RouteSyncVersion = 5;

    /// <summary>The oldest version this node reads and the one it writes whenever the message needs nothing newer: the previous release's.</summary>
    public const byte OldestReadVersion = 3;

    public const string CompleteManifest = "C";
    public const string CompletionManifest = "CN";
    public const string CompletionPartManifest = "CP";
    public const string RegisterManifest = "R";
    public const string RegisteredManifest = "RD";
    public const string RegistrationRefusedManifest = "RF";
    public const string UnregisterManifest = "U";
    public const string UnregisteredManifest = "UD";
    public const string NodeRoutesManifest = "N";
    public const string RoutesDeltaManifest = "RX";
    public const string RoutesSnapshotManifest = "RS";
    public const string RoutesRequestManifest = "RQ";
    public const string RoutesVersionManifest = "RV";
    public const string RoutesAckManifest = "RA";

    /// <summary>Fixed in code, not read from config: a node can't be configured out of wire compatibility.</summary>
    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        Complete => CompleteManifest,
        CompletionPart => CompletionPartManifest,
        Completion => CompletionManifest,
        Register => RegisterManifest,
        Registered => RegisteredManifest,
        RegistrationRefused => RegistrationRefusedManifest,
        Unregister => UnregisterManifest,
        Unregistered => UnregisteredManifest,
        NodeRoutes => NodeRoutesManifest,
        RoutesDelta => RoutesDeltaManifest,
        RoutesSnapshot => RoutesSnapshotManifest,
        RoutesRequest => RoutesRequestManifest,
        RoutesVersion => RoutesVersionManifest,
        RoutesAck => RoutesAckManifest,
        _ => throw Unsupported(o),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        Complete m => Write(m),
        CompletionPart m => Write(m),
        Completion m => Write(m),
        Register m => WriteRoute(m.Route),
        Registered m => WriteRoute(m.Route),
        RegistrationRefused m => Write(m),
        Unregister m => WritePrefix(m.Prefix),
        Unregistered m => Write(m),
        NodeRoutes m => Write(m),
        RoutesDelta m => RouteSyncWire.Write(m),
        RoutesSnapshot m => RouteSyncWire.Write(m),
        RoutesRequest m => RouteSyncWire.Write(m),
        RoutesVersion m => RouteSyncWire.Write(m),
        RoutesAck m => RouteSyncWire.Write(m),
        _ => throw Unsupported(obj),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var reader = new WireReader(bytes, manifest);
        var version = reader.Byte();
        if (version is < OldestReadVersion or > FormatVersion)
            throw new SerializationException(
                $"Kernel message with manifest '{manifest}' has format version {version}; this node reads versions {OldestReadVersion} to {FormatVersion}.");
        object message = manifest switch
        {
            CompleteManifest => new Complete(Id: reader.Int64(), DeadlineUnixMs: reader.Int64(), Hops: ReadHops(ref reader),
                Stream: reader.Bool(), Sequence: reader.Sequence(), Capability: reader.Bool() ? new Capability(reader.Sequence().Memory, reader.Sequence().Memory) : null),
            CompletionManifest => ReadCompletion(ref reader),
            CompletionPartManifest => new CompletionPart(reader.Int64(), reader.Sequence()),
            RegisterManifest => new Register(ReadRoute(ref reader)),
            RegisteredManifest => new Registered(ReadRoute(ref reader)),
            RegistrationRefusedManifest => new RegistrationRefused(ReadRoute(ref reader), reader.String()),
            UnregisterManifest => new Unregister(reader.Sequence()),
            UnregisteredManifest => new Unregistered(reader.Sequence(), reader.Bool()),
            NodeRoutesManifest => ReadNodeRoutes(ref reader),
            RoutesDeltaManifest or RoutesSnapshotManifest or RoutesRequestManifest or RoutesVersionManifest or RoutesAckManifest
                => RouteSyncWire.Read(ref reader, manifest, version),
            _ => throw new SerializationException(
                $"Unknown kernel message manifest '{manifest}' for {nameof(KernelMessageSerializer)} (id {SerializerId}): " +
                "the sending node is probably newer than this one."),
        };
        if (version >= ExtensionsVersion)
        {
            var extensions = WireExtensions.Read(ref reader);
            if (extensions.Trace.TraceId != default && message is Complete complete) message = complete with { Trace = extensions.Trace };
        }
        reader.End();
        return message;
    }

    // ---- writing: size first, then one exact-size array ----

    private static byte[] Write(Complete m)
    {
        var capability = m.Capability;
        var capabilitySize = capability is null ? 0
            : Wire.SequenceSize(new Sequence(capability.Token)) + Wire.SequenceSize(new Sequence(capability.Proof));
        var hops = (uint)Math.Max(m.Hops, 0);
        // Untraced (the common case): version 3, which every node of a rolling upgrade reads.
        var extensionsSize = m.IsTraced ? WireExtensions.Size(m.Trace) : 0;
        var bytes = new byte[1 + Wire.Int64Size * 2 + Wire.VarUInt32Size(hops) + 1 + Wire.SequenceSize(m.Sequence) + 1 + capabilitySize + extensionsSize];
        var writer = new WireWriter(bytes);
        writer.Byte(m.IsTraced ? ExtensionsVersion : OldestReadVersion);
        writer.Int64(m.Id);
        writer.Int64(m.DeadlineUnixMs);
        writer.VarUInt32(hops);
        writer.Bool(m.Stream);
        writer.Sequence(m.Sequence);
        writer.Bool(capability is not null);
        if (capability is not null)
        {
            writer.Sequence(new Sequence(capability.Token));
            writer.Sequence(new Sequence(capability.Proof));
        }
        if (m.IsTraced) WireExtensions.Write(ref writer, m.Trace);
        return Finish(bytes, writer);
    }

    private static byte[] Write(CompletionPart m)
    {
        var bytes = new byte[1 + Wire.Int64Size + Wire.SequenceSize(m.Bytes)];
        var writer = new WireWriter(bytes);
        writer.Byte(OldestReadVersion);
        writer.Int64(m.Id);
        writer.Sequence(m.Bytes);
        return Finish(bytes, writer);
    }

    private static byte[] Write(Completion m)
    {
        var bytes = new byte[1 + Wire.Int64Size + 1 + Wire.StringSize(m.Provider)
                             + Wire.NullableStringSize(m.Reason) + Wire.SequenceSize(m.Bytes)];
        var writer = new WireWriter(bytes);
        writer.Byte(OldestReadVersion);
        writer.Int64(m.Id);
        writer.Byte((byte)m.Status);
        writer.String(m.Provider);
        writer.NullableString(m.Reason);
        writer.Sequence(m.Bytes);
        return Finish(bytes, writer);
    }

    private static byte[] WriteRoute(RouteSpec route)
    {
        var bytes = new byte[1 + RouteSize(route)];
        var writer = new WireWriter(bytes);
        writer.Byte(OldestReadVersion);
        WriteRoute(ref writer, route);
        return Finish(bytes, writer);
    }

    private static byte[] Write(RegistrationRefused m)
    {
        var bytes = new byte[1 + RouteSize(m.Route) + Wire.StringSize(m.Reason)];
        var writer = new WireWriter(bytes);
        writer.Byte(OldestReadVersion);
        WriteRoute(ref writer, m.Route);
        writer.String(m.Reason);
        return Finish(bytes, writer);
    }

    private static byte[] WritePrefix(Sequence prefix)
    {
        var bytes = new byte[1 + Wire.SequenceSize(prefix)];
        var writer = new WireWriter(bytes);
        writer.Byte(OldestReadVersion);
        writer.Sequence(prefix);
        return Finish(bytes, writer);
    }

    private static byte[] Write(Unregistered m)
    {
        var bytes = new byte[1 + Wire.SequenceSize(m.Prefix) + 1];
        var writer = new WireWriter(bytes);
        writer.Byte(OldestReadVersion);
        writer.Sequence(m.Prefix);
        writer.Bool(m.Existed);
        return Finish(bytes, writer);
    }

    private static byte[] Write(NodeRoutes m)
    {
        var routes = m.Routes.IsDefault ? ImmutableArray<RouteEntry>.Empty : m.Routes;
        var bytes = new byte[1 + Wire.StringSize(m.Node) + Wire.Int64Size + RouteSyncWire.EntriesSize(routes)];
        var writer = new WireWriter(bytes);
        writer.Byte(OldestReadVersion);
        writer.String(m.Node);
        writer.Int64(m.Incarnation);
        RouteSyncWire.WriteEntries(ref writer, routes);
        return Finish(bytes, writer);
    }

    private static int RouteSize(RouteSpec route) => Wire.SequenceSize(route.Prefix) + Wire.StringSize(route.Module) + 1;

    private static void WriteRoute(ref WireWriter writer, RouteSpec route)
    {
        writer.Sequence(route.Prefix);
        writer.String(route.Module);
        writer.Bool(route.Pure);
    }

    /// <summary>The computed size and the written bytes must agree; a mismatch is a bug here, not bad input.</summary>
    internal static byte[] Finish(byte[] bytes, WireWriter writer) =>
        writer.Position == bytes.Length
            ? bytes
            : throw new InvalidOperationException($"Kernel message sized {bytes.Length} bytes but wrote {writer.Position}.");

    // ---- reading ----

    private static int ReadHops(ref WireReader reader)
    {
        var hops = reader.VarUInt32();
        return hops <= int.MaxValue ? (int)hops
            : throw new SerializationException($"Complete has {hops} hops, more than any node allows.");
    }

    private static Completion ReadCompletion(ref WireReader reader)
    {
        var id = reader.Int64();
        var statusByte = reader.Byte();
        var status = (CompletionStatus)statusByte;
        if (!Enum.IsDefined(status)) throw reader.Corrupt($"unknown completion status {statusByte}");
        var provider = reader.String();
        var reason = reader.NullableString();
        var bytes = reader.Sequence();
        return new Completion(id, status, bytes, provider, reason);
    }

    private static RouteSpec ReadRoute(ref WireReader reader) =>
        new(Prefix: reader.Sequence(), Module: reader.String(), Pure: reader.Bool());

    private static NodeRoutes ReadNodeRoutes(ref WireReader reader)
    {
        var node = reader.String();
        var incarnation = reader.Int64();
        return new NodeRoutes(node, incarnation, RouteSyncWire.ReadEntries(ref reader));
    }

    private static SerializationException Unsupported(object? o) =>
        new($"{nameof(KernelMessageSerializer)} can't serialize {o?.GetType().FullName ?? "null"}: it knows the kernel messages of PromiseGrid.Kernel.Protocol only.");
}
