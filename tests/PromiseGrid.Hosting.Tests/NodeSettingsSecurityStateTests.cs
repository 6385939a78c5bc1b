using System.Collections;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Kernel.Security;
using Xunit;

namespace PromiseGrid.Hosting.Tests;

/// <summary>The node keeps its security state in its data folder: the akka keys NodeSettings derives from PG_DATA.</summary>
public sealed class NodeSettingsSecurityStateTests
{
    [Fact]
    public void Revocations_and_nonces_are_durable_in_the_data_folder()
    {
        var data = Path.Combine(Path.GetTempPath(), "pg-settings-data");

        var akka = NodeSettings.Load(new Hashtable { ["PG_DATA"] = data }).AkkaConfig.GetConfig("akka.cluster.distributed-data.durable");

        Assert.Equal(["promisegrid-revocations", "promisegrid-nonces"], akka.GetStringList("keys"));
        Assert.Equal(Path.Combine(data, DurableSecurityState.FolderName), akka.GetString("files.dir"));
        Assert.Equal("PromiseGrid.Kernel.Storage.FileDurableStore, PromiseGrid.Kernel", akka.GetString("store-actor-class"));
        Assert.Equal(["promisegrid-nonces"], akka.GetStringList("files.write-behind-keys"));
    }
}
