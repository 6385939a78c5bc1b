using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PromiseGrid.Core.Content;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Modules.Tests.Store;

/// <summary>
/// Bucket digests against a naive CID-by-CID comparison: the buckets whose digests differ hold
/// exactly the CIDs one side has and the other lacks, and equal sets have equal digests whatever
/// order the CIDs come in.
/// </summary>
public sealed class StoreBucketsTests
{
    /// <summary>Two inventories drawn from one small universe, so they overlap a lot, and a bucket count.</summary>
    public sealed record Inventories(int[] Mine, int[] Theirs, int Buckets)
    {
        public override string ToString() => $"Mine [{string.Join(",", Mine)}]; Theirs [{string.Join(",", Theirs)}]; Buckets {Buckets}";
    }

    private static Cid CidOf(int i) => Cid.Of(BitConverter.GetBytes(i));

    public static Arbitrary<Inventories> InventoriesArb()
    {
        var ids = Gen.Choose(0, 300);
        var gen =
            from mine in Gen.Choose(0, 200).SelectMany(n => Gen.ArrayOf(ids, n))
            from theirs in Gen.Choose(0, 200).SelectMany(n => Gen.ArrayOf(ids, n))
            from buckets in Gen.Elements(1, 2, 7, 64, 256, 4096)
            select new Inventories(mine, theirs, buckets);
        return Arb.From(gen);
    }

    [Property(Arbitrary = [typeof(StoreBucketsTests)], MaxTest = 300)]
    public bool Differing_buckets_hold_exactly_the_cids_the_naive_comparison_finds(Inventories case_)
    {
        var mine = case_.Mine.Select(CidOf).ToArray();
        var theirs = case_.Theirs.Select(CidOf).ToArray();
        var myBuckets = new StoreBuckets(mine, case_.Buckets);
        var theirBuckets = new StoreBuckets(theirs, case_.Buckets);

        var differing = myBuckets.Differing(theirBuckets.Digests.ToArray()).ToArray();
        var theyLack = differing.SelectMany(b => myBuckets[b].Except(theirBuckets[b])).ToHashSet();
        var iLack = differing.SelectMany(b => theirBuckets[b].Except(myBuckets[b])).ToHashSet();

        var naiveTheyLack = mine.Except(theirs).ToHashSet();
        var naiveILack = theirs.Except(mine).ToHashSet();
        // A bucket differs exactly when its sets differ (SHA-256 collisions aside).
        var naiveDiffering = Enumerable.Range(0, case_.Buckets)
            .Where(b => !myBuckets[b].ToHashSet().SetEquals(theirBuckets[b]))
            .ToArray();
        return theyLack.SetEquals(naiveTheyLack) && iLack.SetEquals(naiveILack) && differing.SequenceEqual(naiveDiffering);
    }

    [Property(Arbitrary = [typeof(StoreBucketsTests)], MaxTest = 100)]
    public bool The_same_set_in_any_order_and_with_repeats_has_the_same_digests(Inventories case_)
    {
        var cids = case_.Mine.Select(CidOf).ToArray();
        var shuffled = cids.Reverse().Concat(cids.Take(5)).ToArray();

        var one = new StoreBuckets(cids, case_.Buckets);
        var other = new StoreBuckets(shuffled, case_.Buckets);
        return one.Digests.SequenceEqual(other.Digests) && !one.Differing(other.Digests.ToArray()).Any();
    }

    [Fact]
    public void A_bucket_digest_is_sha256_over_its_cid_digests_in_byte_order_and_an_empty_one_is_zero()
    {
        var cids = Enumerable.Range(0, 50).Select(CidOf).ToArray();
        var buckets = new StoreBuckets(cids, 4);

        for (var b = 0; b < 4; b++)
        {
            var inBucket = cids.Where(c => StoreBuckets.BucketOf(c, 4) == b)
                .Select(c => c.Digest.ToArray())
                .OrderBy(d => Convert.ToHexString(d), StringComparer.Ordinal)
                .SelectMany(d => d)
                .ToArray();
            Assert.Equal(SHA256.HashData(inBucket), buckets.DigestOf(b).ToArray());
        }
        Assert.Equal(new byte[32], new StoreBuckets([], 4).DigestOf(3).ToArray());
    }

    [Fact]
    public void Requests_and_replies_read_back_as_written()
    {
        var nodes = new[] { Address.Parse("akka.tcp://promisegrid@node1:4053"), Address.Parse("akka.tcp://promisegrid@node2:4053") };
        var buckets = new StoreBuckets(Enumerable.Range(0, 40).Select(CidOf), 8);
        var request = new BucketsRequest(nodes[1], nodes, 2, buckets.Digests.ToArray());

        var read = BucketsRequest.Decode(request.Encode());

        Assert.Equal(nodes[1], read.Requester);
        Assert.Equal(nodes, read.Nodes);
        Assert.Equal(2, read.Factor);
        Assert.Equal(8, read.BucketCount);
        Assert.True(read.Digests.Span.SequenceEqual(buckets.Digests));

        var reply = BucketsReply.Decode(BucketsReply.Encode(buckets, [1, 5]));
        Assert.False(reply.Truncated);
        Assert.Equal([1, 5], reply.Held.Keys.Order());
        Assert.Equal(buckets[5], reply.Held[5]);
        Assert.Throws<FormatException>(() => BucketsRequest.Decode(request.Encode()[..^1]));
    }
}
