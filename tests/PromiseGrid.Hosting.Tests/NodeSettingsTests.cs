using System.Collections;
using PromiseGrid.Hosting.Configuration;
using Xunit;

namespace PromiseGrid.Hosting.Tests;

/// <summary>The stock node's settings with nothing set, as README's first command runs it.</summary>
public sealed class NodeSettingsTests
{
    [Fact]
    public void No_environment_and_no_file_give_the_embedded_defaults()
    {
        var settings = NodeSettings.Load(new Hashtable());

        Assert.Equal("127.0.0.1", settings.Host);
        Assert.Equal(4053, settings.Port);
        Assert.Equal("http://127.0.0.1:7070", settings.HttpUrl);
        Assert.Equal(["echo", "sys", "store", "wasm"], settings.Modules);
        Assert.Empty(settings.Seeds);
    }

    [Fact]
    public void Code_settings_sit_under_the_environment_and_over_the_defaults()
    {
        var code = Akka.Configuration.ConfigurationFactory.ParseString("promisegrid.node.port = 4100\npromisegrid.node.host = \"node-a\"");

        var settings = NodeSettings.Load(new Hashtable { ["PG_PORT"] = "4200" }, null, code);

        Assert.Equal(4200, settings.Port);
        Assert.Equal("node-a", settings.Host);
        Assert.Equal("http://127.0.0.1:7070", settings.HttpUrl);
    }
}
