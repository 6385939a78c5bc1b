using System.Buffers.Binary;
using System.Security.Cryptography;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// A set of CIDs split into buckets by the first four bytes of the digest (big-endian, modulo
/// the bucket count), each bucket summarised by one digest: SHA-256 over its CIDs' digests in
/// byte order, or 32 zero bytes for an empty bucket. Two nodes with the same set have the same
/// digests; where a digest differs, only that bucket's CIDs need to be compared.
/// </summary>
internal sealed class StoreBuckets
{
    public const int DigestLength = 32;

    private readonly Cid[][] _buckets;
    private readonly byte[] _digests;

    public StoreBuckets(IEnumerable<Cid> cids, int bucketCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCount, 1);
        var lists = new List<Cid>?[bucketCount];
        foreach (var cid in cids) (lists[BucketOf(cid, bucketCount)] ??= []).Add(cid);
        _buckets = new Cid[bucketCount][];
        _digests = new byte[bucketCount * DigestLength];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var b = 0; b < bucketCount; b++)
        {
            if (lists[b] is not { } list)
            {
                _buckets[b] = [];
                continue;
            }
            var sorted = list.Distinct().ToArray();
            Array.Sort(sorted, static (x, y) => x.Digest.SequenceCompareTo(y.Digest));
            foreach (var cid in sorted) hash.AppendData(cid.Digest);
            hash.GetHashAndReset(_digests.AsSpan(b * DigestLength, DigestLength));
            _buckets[b] = sorted;
        }
    }

    public int Count => _buckets.Length;

    /// <summary>The CIDs in <paramref name="bucket"/>, in digest byte order.</summary>
    public IReadOnlyList<Cid> this[int bucket] => _buckets[bucket];

    /// <summary>Every bucket's digest, one after the other (<see cref="Count"/> × 32 bytes).</summary>
    public ReadOnlySpan<byte> Digests => _digests;

    public ReadOnlySpan<byte> DigestOf(int bucket) => _digests.AsSpan(bucket * DigestLength, DigestLength);

    /// <summary>The buckets whose digest differs from the one at the same place in <paramref name="other"/> (as many buckets).</summary>
    public IEnumerable<int> Differing(ReadOnlyMemory<byte> other)
    {
        if (other.Length != _digests.Length)
            throw new ArgumentException($"{other.Length / DigestLength} bucket digests for {Count} buckets", nameof(other));
        for (var b = 0; b < Count; b++)
            if (!other.Span.Slice(b * DigestLength, DigestLength).SequenceEqual(DigestOf(b)))
                yield return b;
    }

    public static int BucketOf(Cid cid, int bucketCount) =>
        (int)(BinaryPrimitives.ReadUInt32BigEndian(cid.Digest) % (uint)bucketCount);
}
