using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// A node's bucket digests for another node (<c>store/replica/buckets/</c>): who asks, the
/// store nodes and replication factor it ranks with (so both sides rank alike even while their
/// views of the cluster differ), and one digest per bucket of the blobs it holds that the
/// other node should hold too.
/// </summary>
/// <remarks>
/// Layout, integers big-endian: version (1 byte, 1) | factor (u16) | requester (u16 length,
/// UTF-8 address) | node count (u16), then each node (u16 length, UTF-8 address) | bucket count
/// (u32) | the digests (bucket count × 32 bytes).
/// </remarks>
internal sealed record BucketsRequest(Address Requester, IReadOnlyList<Address> Nodes, int Factor, ReadOnlyMemory<byte> Digests)
{
    private const byte Version = 1;

    public int BucketCount => Digests.Length / StoreBuckets.DigestLength;

    public byte[] Encode()
    {
        using var body = new MemoryStream();
        using var writer = new BinaryWriter(body);
        writer.Write(Version);
        WriteU16(writer, Factor);
        WriteAddress(writer, Requester);
        WriteU16(writer, Nodes.Count);
        foreach (var node in Nodes) WriteAddress(writer, node);
        WriteU32(writer, BucketCount);
        writer.Write(Digests.Span);
        writer.Flush();
        return body.ToArray();
    }

    /// <exception cref="FormatException">Not a buckets request this version reads.</exception>
    public static BucketsRequest Decode(ReadOnlyMemory<byte> bytes)
    {
        var at = 0;
        var span = bytes.Span;
        try
        {
            if (span[at++] != Version) throw new FormatException($"buckets request version {span[0]}, this node reads {Version}");
            var factor = ReadU16(span, ref at);
            var requester = ReadAddress(span, ref at);
            var nodes = new Address[ReadU16(span, ref at)];
            for (var i = 0; i < nodes.Length; i++) nodes[i] = ReadAddress(span, ref at);
            var buckets = BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
            at += 4;
            if (buckets is < 1 or > StoreRepairSettings.MaxBuckets || span.Length - at != (long)buckets * StoreBuckets.DigestLength)
                throw new FormatException($"{buckets} buckets but {span.Length - at} bytes of digests");
            if (factor < 1) throw new FormatException("replication factor 0");
            return new BucketsRequest(requester, nodes, factor, bytes[at..]);
        }
        catch (Exception error) when (error is ArgumentOutOfRangeException or IndexOutOfRangeException or UriFormatException)
        {
            throw new FormatException($"malformed buckets request: {error.Message}", error);
        }
    }

    private static void WriteU16(BinaryWriter writer, int value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, checked((ushort)value));
        writer.Write(bytes);
    }

    private static void WriteU32(BinaryWriter writer, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, checked((uint)value));
        writer.Write(bytes);
    }

    private static void WriteAddress(BinaryWriter writer, Address address)
    {
        var text = Encoding.UTF8.GetBytes(address.ToString());
        WriteU16(writer, text.Length);
        writer.Write(text);
    }

    private static int ReadU16(ReadOnlySpan<byte> span, ref int at)
    {
        var value = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
        at += 2;
        return value;
    }

    private static Address ReadAddress(ReadOnlySpan<byte> span, ref int at)
    {
        var length = ReadU16(span, ref at);
        var address = Address.Parse(Encoding.UTF8.GetString(span.Slice(at, length)));
        at += length;
        return address;
    }
}

/// <summary>
/// The answer to a <see cref="BucketsRequest"/>: for each bucket whose digest differs, the CIDs
/// the answering node holds in it (of the blobs both nodes should hold). Truncated when the
/// lists would not fit <see cref="MaxBytes"/>: the buckets left out are compared by a later pass.
/// </summary>
/// <remarks>
/// Layout: truncated (1 byte, 0 or 1), then for each bucket: bucket (u32), count (u32), the
/// CIDs' digests (count × 32 bytes).
/// </remarks>
internal sealed record BucketsReply(bool Truncated, IReadOnlyDictionary<int, IReadOnlyList<Cid>> Held)
{
    /// <summary>Well within max-sequence-bytes (1 MiB by default): about 16,000 CIDs.</summary>
    public const int MaxBytes = 512 * 1024;

    /// <summary>Lists the differing buckets of <paramref name="held"/> in order while they fit.</summary>
    public static byte[] Encode(StoreBuckets held, IEnumerable<int> differing)
    {
        using var body = new MemoryStream();
        body.WriteByte(0);
        Span<byte> header = stackalloc byte[8];
        foreach (var bucket in differing)
        {
            var cids = held[bucket];
            if (body.Length + header.Length + (long)cids.Count * Cid.DigestLength > MaxBytes)
            {
                body.GetBuffer()[0] = 1;
                break;
            }
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)bucket);
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)cids.Count);
            body.Write(header);
            foreach (var cid in cids) body.Write(cid.Digest);
        }
        return body.ToArray();
    }

    /// <exception cref="FormatException">Not a buckets reply.</exception>
    public static BucketsReply Decode(ReadOnlySpan<byte> span)
    {
        if (span.Length == 0 || span[0] > 1) throw new FormatException("malformed buckets reply");
        var held = new Dictionary<int, IReadOnlyList<Cid>>();
        var at = 1;
        while (at < span.Length)
        {
            if (span.Length - at < 8) throw new FormatException("malformed buckets reply: a bucket header is cut short");
            var bucket = (int)BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
            var count = (long)BinaryPrimitives.ReadUInt32BigEndian(span[(at + 4)..]);
            at += 8;
            if (span.Length - at < count * Cid.DigestLength) throw new FormatException("malformed buckets reply: a bucket's CIDs are cut short");
            var cids = new Cid[count];
            for (var i = 0; i < count; i++, at += Cid.DigestLength) cids[i] = Cid.FromDigest(span.Slice(at, Cid.DigestLength));
            held[bucket] = cids;
        }
        return new BucketsReply(span[0] == 1, held);
    }
}
