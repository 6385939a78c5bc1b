// FROZEN: the kernel serializer of wire format version 3 exactly as it shipped (copied from
// src/PromiseGrid.Kernel/Serialization at the last v3 commit, names changed only), so tests can run
// a node of the previous version beside the current one (docs/wire.md#rolling-upgrades). Never edit.
using System.Collections.Immutable;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Tests.Serialization.FrozenV3;

/// <summary>
/// The wire format of every <see cref="IKernelMessage"/> (docs/wire.md): a hand-written,
/// little-endian binary layout, bound in reference.conf to <c>IKernelMessage</c>.
/// </summary>
/// <remarks>
/// <para>
/// Every payload starts with one <b>format-version byte</b> (<see cref="FormatVersion"/>),
/// followed by the fields of the message named by the manifest. The format evolves by
/// bumping that byte: a reader accepts its own version only and refuses any other with a
/// <see cref="SerializationException"/>, so every node of a cluster must run the same version
/// (docs/wire.md#versions); manifests stay short and never change meaning.
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
internal sealed class FrozenV3Serializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer id on the wire; reference.conf's <c>serialization-identifiers</c> names the same number.</summary>
    public const int SerializerId = 150;

    /// <summary>The first byte of every payload. Version 2 added the capability to Complete, version 3 its hops and stream flag and CompletionPart.</summary>
    public const byte FormatVersion = 3;

    public const string CompleteManifest = "C";
    public const string CompletionManifest = "CN";
    public const string CompletionPartManifest = "CP";
    public const string RegisterManifest = "R";
    public const string RegisteredManifest = "RD";
    public const string RegistrationRefusedManifest = "RF";
    public const string UnregisterManifest = "U";
    public const string UnregisteredManifest = "UD";
    public const string NodeRoutesManifest = "N";

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
        _ => throw Unsupported(obj),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var reader = new V3WireReader(bytes, manifest);
        var version = reader.Byte();
        if (version != FormatVersion)
            throw new SerializationException(
                $"Kernel message with manifest '{manifest}' has format version {version}; this node reads version {FormatVersion} only.");
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
            _ => throw new SerializationException(
                $"Unknown kernel message manifest '{manifest}' for {nameof(FrozenV3Serializer)} (id {SerializerId}): " +
                "the sending node is probably newer than this one."),
        };
        reader.End();
        return message;
    }

    // ---- writing: size first, then one exact-size array ----

    private static byte[] Write(Complete m)
    {
        var capability = m.Capability;
        var capabilitySize = capability is null ? 0
            : V3Wire.SequenceSize(new Sequence(capability.Token)) + V3Wire.SequenceSize(new Sequence(capability.Proof));
        var hops = (uint)Math.Max(m.Hops, 0);
        var bytes = new byte[1 + V3Wire.Int64Size * 2 + V3Wire.VarUInt32Size(hops) + 1 + V3Wire.SequenceSize(m.Sequence) + 1 + capabilitySize];
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
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
        return Finish(bytes, writer);
    }

    private static byte[] Write(CompletionPart m)
    {
        var bytes = new byte[1 + V3Wire.Int64Size + V3Wire.SequenceSize(m.Bytes)];
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
        writer.Int64(m.Id);
        writer.Sequence(m.Bytes);
        return Finish(bytes, writer);
    }

    private static byte[] Write(Completion m)
    {
        var bytes = new byte[1 + V3Wire.Int64Size + 1 + V3Wire.StringSize(m.Provider)
                             + V3Wire.NullableStringSize(m.Reason) + V3Wire.SequenceSize(m.Bytes)];
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
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
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
        WriteRoute(ref writer, route);
        return Finish(bytes, writer);
    }

    private static byte[] Write(RegistrationRefused m)
    {
        var bytes = new byte[1 + RouteSize(m.Route) + V3Wire.StringSize(m.Reason)];
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
        WriteRoute(ref writer, m.Route);
        writer.String(m.Reason);
        return Finish(bytes, writer);
    }

    private static byte[] WritePrefix(Sequence prefix)
    {
        var bytes = new byte[1 + V3Wire.SequenceSize(prefix)];
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
        writer.Sequence(prefix);
        return Finish(bytes, writer);
    }

    private static byte[] Write(Unregistered m)
    {
        var bytes = new byte[1 + V3Wire.SequenceSize(m.Prefix) + 1];
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
        writer.Sequence(m.Prefix);
        writer.Bool(m.Existed);
        return Finish(bytes, writer);
    }

    private static byte[] Write(NodeRoutes m)
    {
        var routes = m.Routes.IsDefault ? ImmutableArray<RouteEntry>.Empty : m.Routes;
        var size = 1 + V3Wire.StringSize(m.Node) + V3Wire.Int64Size + V3Wire.VarUInt32Size((uint)routes.Length);
        foreach (var entry in routes)
            size += V3Wire.SequenceSize(entry.Prefix) + V3Wire.StringSize(entry.Module) + V3Wire.StringSize(entry.ProviderPath) + 1;
        var bytes = new byte[size];
        var writer = new V3WireWriter(bytes);
        writer.Byte(FormatVersion);
        writer.String(m.Node);
        writer.Int64(m.Incarnation);
        writer.VarUInt32((uint)routes.Length);
        foreach (var entry in routes)
        {
            writer.Sequence(entry.Prefix);
            writer.String(entry.Module);
            writer.String(entry.ProviderPath);
            writer.Bool(entry.Pure);
        }
        return Finish(bytes, writer);
    }

    private static int RouteSize(RouteSpec route) => V3Wire.SequenceSize(route.Prefix) + V3Wire.StringSize(route.Module) + 1;

    private static void WriteRoute(ref V3WireWriter writer, RouteSpec route)
    {
        writer.Sequence(route.Prefix);
        writer.String(route.Module);
        writer.Bool(route.Pure);
    }

    /// <summary>The computed size and the written bytes must agree; a mismatch is a bug here, not bad input.</summary>
    private static byte[] Finish(byte[] bytes, V3WireWriter writer) =>
        writer.Position == bytes.Length
            ? bytes
            : throw new InvalidOperationException($"Kernel message sized {bytes.Length} bytes but wrote {writer.Position}.");

    // ---- reading ----

    private static int ReadHops(ref V3WireReader reader)
    {
        var hops = reader.VarUInt32();
        return hops <= int.MaxValue ? (int)hops
            : throw new SerializationException($"Complete has {hops} hops, more than any node allows.");
    }

    private static Completion ReadCompletion(ref V3WireReader reader)
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

    private static RouteSpec ReadRoute(ref V3WireReader reader) =>
        new(Prefix: reader.Sequence(), Module: reader.String(), Pure: reader.Bool());

    private static NodeRoutes ReadNodeRoutes(ref V3WireReader reader)
    {
        var node = reader.String();
        var incarnation = reader.Int64();
        // An entry takes at least 4 bytes (three empty lengths and a bool), so a corrupt count
        // can't make the reader allocate more than the payload could hold.
        var count = reader.Count(minBytesEach: 4, "route entries");
        var routes = ImmutableArray.CreateBuilder<RouteEntry>(count);
        for (var i = 0; i < count; i++)
            routes.Add(new RouteEntry(Prefix: reader.Sequence(), Module: reader.String(), ProviderPath: reader.String(), Pure: reader.Bool()));
        return new NodeRoutes(node, incarnation, routes.ToImmutable());
    }

    private static SerializationException Unsupported(object? o) =>
        new($"{nameof(FrozenV3Serializer)} can't serialize {o?.GetType().FullName ?? "null"}: it knows the kernel messages of PromiseGrid.Kernel.Protocol only.");
}
