using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PromiseGrid.Core.Content;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Modules.Tests.Store;

/// <summary>Rendezvous placement: the documented score, an order every node agrees on, an even spread, and little movement.</summary>
public sealed class StorePlacementTests
{
    private static readonly Address[] Nodes =
    [
        Address.Parse("akka.ssl.tcp://promisegrid@node1:4053"),
        Address.Parse("akka.ssl.tcp://promisegrid@node2:4053"),
        Address.Parse("akka.ssl.tcp://promisegrid@node3:4053"),
    ];

    private static Cid CidOf(int i) => Cid.Of(Encoding.ASCII.GetBytes($"blob {i}"));

    [Fact]
    public void The_score_is_the_first_8_bytes_of_sha256_of_the_digest_and_the_node_address()
    {
        var cid = Cid.Parse("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
        var input = cid.Digest.ToArray().Concat(Encoding.UTF8.GetBytes("akka.ssl.tcp://promisegrid@node1:4053")).ToArray();

        Assert.Equal(BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(input)), StorePlacement.Score(cid, Nodes[0]));
    }

    [Fact]
    public void The_ranking_is_by_descending_score_whatever_order_the_nodes_come_in()
    {
        for (var i = 0; i < 100; i++)
        {
            var cid = CidOf(i);
            var ranking = StorePlacement.Rank(cid, Nodes);

            Assert.Equal(Nodes.OrderByDescending(n => StorePlacement.Score(cid, n)), ranking);
            Assert.Equal(ranking, StorePlacement.Rank(cid, Nodes.Reverse()));
            Assert.Equal(ranking, StorePlacement.Rank(cid, [.. Nodes, Nodes[1]]));
        }
    }

    [Fact]
    public void Each_node_ranks_first_for_about_a_third_of_the_blobs()
    {
        var first = Enumerable.Range(0, 3000).GroupBy(i => StorePlacement.Rank(CidOf(i), Nodes)[0]).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(3, first.Count);
        Assert.All(first.Values, count => Assert.InRange(count, 850, 1150));
    }

    [Fact]
    public void A_node_leaving_moves_only_the_copies_it_held()
    {
        for (var i = 0; i < 1000; i++)
        {
            var cid = CidOf(i);
            var before = StorePlacement.Rank(cid, Nodes);
            var after = StorePlacement.Rank(cid, Nodes.Where(n => n != Nodes[2]));

            // The others keep their relative order: a holder that stays stays a holder.
            Assert.Equal(before.Where(n => n != Nodes[2]), after);
        }
    }
}
