using Akka.Cluster;
using Akka.DistributedData;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Tests.Security;

/// <summary>
/// The replicated revocation set travels between nodes as one value (a full-state gossip of its
/// key), so it must fit in one remoting frame (akka.remote.dot-netty.tcp.maximum-frame-size in
/// reference.conf): one signer at the default limit must, with room to spare.
/// </summary>
public sealed class RevocationSetSizeTests(ITestOutputHelper output) : KernelTestKit(LoopbackCluster.Config, output)
{
    private readonly ITestOutputHelper _output = output;

    [Fact]
    public void One_signer_at_the_default_limit_fits_in_one_remoting_frame()
    {
        var limit = Grid.Settings.Security.MaxRevocationsPerSigner;
        var self = Akka.Cluster.Cluster.Get(Sys).SelfUniqueAddress;
        var signer = Root.PublicKeyText;
        var set = ORSet<string>.Empty;
        for (var i = 0; i < limit; i++)
            set = set.Add(self, new RevocationEntry(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                signer, 1_900_000_000_000 + i).ToElement());
        DistributedData.Get(Sys); // binds DData's serializers

        var bytes = Sys.Serialization.FindSerializerFor(set).ToBinary(set).Length;
        var frame = Sys.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size");

        _output.WriteLine($"{limit} entries: {bytes} bytes, {bytes / limit} per entry; frame {frame}");
        Assert.True(bytes * 4 < frame, $"{limit} revocations serialize to {bytes} bytes; a frame holds {frame}");
    }

    private static readonly PromiseGrid.Core.Capabilities.GridKey Root = PromiseGrid.Core.Capabilities.GridKey.Generate();
}
