using System.Collections.Immutable;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Serialization;

/// <summary>
/// The layouts of the route sync messages (wire format 5; <see cref="KernelMessageSerializer"/> lists
/// them): written with version 5 and an empty extension block, sized first like every kernel message.
/// </summary>
internal static class RouteSyncWire
{
    /// <summary>An empty extension block: a zero count.</summary>
    private const int NoExtensionsSize = 1;

    public static byte[] Write(RoutesDelta m)
    {
        var added = OrEmpty(m.Added);
        var removed = OrEmpty(m.Removed);
        var size = Header(m.Node) + EntriesSize(added) + Wire.VarUInt32Size((uint)removed.Length) + NoExtensionsSize;
        foreach (var entry in removed) size += Wire.SequenceSize(entry.Prefix) + Wire.StringSize(entry.ProviderPath);
        var bytes = new byte[size];
        var writer = Start(bytes, m.Node, m.Incarnation, m.Version);
        WriteEntries(ref writer, added);
        writer.VarUInt32((uint)removed.Length);
        foreach (var entry in removed)
        {
            writer.Sequence(entry.Prefix);
            writer.String(entry.ProviderPath);
        }
        writer.VarUInt32(0);
        return KernelMessageSerializer.Finish(bytes, writer);
    }

    public static byte[] Write(RoutesSnapshot m)
    {
        var routes = OrEmpty(m.Routes);
        var bytes = new byte[Header(m.Node) + Wire.VarUInt32Size((uint)m.Part) + 1 + EntriesSize(routes) + NoExtensionsSize];
        var writer = Start(bytes, m.Node, m.Incarnation, m.Version);
        writer.VarUInt32((uint)m.Part);
        writer.Bool(m.Last);
        WriteEntries(ref writer, routes);
        writer.VarUInt32(0);
        return KernelMessageSerializer.Finish(bytes, writer);
    }

    public static byte[] Write(RoutesRequest m) => WritePair(m.Incarnation, m.Version);

    public static byte[] Write(RoutesAck m) => WritePair(m.Incarnation, m.Version);

    public static byte[] Write(RoutesVersion m)
    {
        var bytes = new byte[Header(m.Node) + 1 + NoExtensionsSize];
        var writer = Start(bytes, m.Node, m.Incarnation, m.Version);
        writer.Bool(m.WantsAck);
        writer.VarUInt32(0);
        return KernelMessageSerializer.Finish(bytes, writer);
    }

    /// <summary>Reads the fields after the version byte; the caller reads the extension block and checks the end.</summary>
    public static IKernelMessage Read(ref WireReader reader, string manifest, byte version)
    {
        if (version < KernelMessageSerializer.RouteSyncVersion)
            throw reader.Corrupt($"route sync messages need format version {KernelMessageSerializer.RouteSyncVersion}, got {version}");
        switch (manifest)
        {
            case KernelMessageSerializer.RoutesRequestManifest:
                return new RoutesRequest(reader.Int64(), reader.Int64());
            case KernelMessageSerializer.RoutesAckManifest:
                return new RoutesAck(reader.Int64(), reader.Int64());
        }
        var node = reader.String();
        var incarnation = reader.Int64();
        var at = reader.Int64();
        switch (manifest)
        {
            case KernelMessageSerializer.RoutesVersionManifest:
                return new RoutesVersion(node, incarnation, at, reader.Bool());
            case KernelMessageSerializer.RoutesSnapshotManifest:
                var part = reader.VarUInt32();
                if (part > int.MaxValue) throw reader.Corrupt($"snapshot part {part} is out of range");
                return new RoutesSnapshot(node, incarnation, at, (int)part, reader.Bool(), ReadEntries(ref reader));
            default:
                var added = ReadEntries(ref reader);
                // A removed entry takes at least 2 bytes (two empty lengths).
                var count = reader.Count(minBytesEach: 2, "removed route entries");
                var removed = ImmutableArray.CreateBuilder<RouteEntry>(count);
                for (var i = 0; i < count; i++)
                    removed.Add(new RouteEntry(Prefix: reader.Sequence(), Module: "", ProviderPath: reader.String(), Pure: false));
                return new RoutesDelta(node, incarnation, at, added, removed.MoveToImmutable());
        }
    }

    private static ImmutableArray<RouteEntry> OrEmpty(ImmutableArray<RouteEntry> entries) => entries.IsDefault ? [] : entries;

    private static int Header(string node) => 1 + Wire.StringSize(node) + Wire.Int64Size * 2;

    private static WireWriter Start(byte[] bytes, string node, long incarnation, long version)
    {
        var writer = new WireWriter(bytes);
        writer.Byte(KernelMessageSerializer.RouteSyncVersion);
        writer.String(node);
        writer.Int64(incarnation);
        writer.Int64(version);
        return writer;
    }

    private static byte[] WritePair(long incarnation, long version)
    {
        var bytes = new byte[1 + Wire.Int64Size * 2 + NoExtensionsSize];
        var writer = new WireWriter(bytes);
        writer.Byte(KernelMessageSerializer.RouteSyncVersion);
        writer.Int64(incarnation);
        writer.Int64(version);
        writer.VarUInt32(0);
        return KernelMessageSerializer.Finish(bytes, writer);
    }

    internal static int EntriesSize(ImmutableArray<RouteEntry> entries)
    {
        var size = Wire.VarUInt32Size((uint)entries.Length);
        foreach (var entry in entries)
            size += Wire.SequenceSize(entry.Prefix) + Wire.StringSize(entry.Module) + Wire.StringSize(entry.ProviderPath) + 1;
        return size;
    }

    internal static void WriteEntries(ref WireWriter writer, ImmutableArray<RouteEntry> entries)
    {
        writer.VarUInt32((uint)entries.Length);
        foreach (var entry in entries)
        {
            writer.Sequence(entry.Prefix);
            writer.String(entry.Module);
            writer.String(entry.ProviderPath);
            writer.Bool(entry.Pure);
        }
    }

    internal static ImmutableArray<RouteEntry> ReadEntries(ref WireReader reader)
    {
        // An entry takes at least 4 bytes (three empty lengths and a bool).
        var count = reader.Count(minBytesEach: 4, "route entries");
        var routes = ImmutableArray.CreateBuilder<RouteEntry>(count);
        for (var i = 0; i < count; i++)
            routes.Add(new RouteEntry(Prefix: reader.Sequence(), Module: reader.String(), ProviderPath: reader.String(), Pure: reader.Bool()));
        return routes.MoveToImmutable();
    }
}
