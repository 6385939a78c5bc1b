using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// Which nodes hold a blob: rendezvous (highest-random-weight) hashing. Every node that runs the
/// store gets a score for the CID, <c>score(node) = the first 8 bytes, big-endian, of
/// SHA-256(CID digest ‖ node address as UTF-8)</c>; the holders are the
/// <c>replication-factor</c> nodes with the highest scores.
/// </summary>
/// <remarks>
/// Any node computes the same holders from the CID and the route table, with no directory to
/// keep, and a node joining or leaving moves only the blobs it ranks first for. A put stores a
/// copy on the top-ranked nodes and, when one of them fails, on the next one down; a get asks
/// the nodes in the same order, so a blob is normally found at the first or second ask.
/// </remarks>
internal static class StorePlacement
{
    /// <summary><paramref name="nodes"/> ordered best first for <paramref name="cid"/> (ties, which need equal 64-bit scores, by address).</summary>
    public static IReadOnlyList<Address> Rank(Cid cid, IEnumerable<Address> nodes) =>
        nodes.Distinct()
            .Select(node => (Node: node, Score: Score(cid, node)))
            .OrderByDescending(ranked => ranked.Score)
            .ThenBy(ranked => ranked.Node.ToString(), StringComparer.Ordinal)
            .Select(ranked => ranked.Node)
            .ToArray();

    /// <summary>The node's rendezvous score for the CID (higher ranks first).</summary>
    public static ulong Score(Cid cid, Address node)
    {
        var address = node.ToString();
        var input = new byte[Cid.DigestLength + Encoding.UTF8.GetByteCount(address)];
        cid.Digest.CopyTo(input);
        Encoding.UTF8.GetBytes(address, input.AsSpan(Cid.DigestLength));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
