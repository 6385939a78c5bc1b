using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// One real node shared by the gateway tests: built-in modules plus the misbehaving test
/// modules loaded as a plugin. A short default deadline keeps the "never answers" test quick.
/// </summary>
public sealed class GatewayNodeFixture : IAsyncLifetime
{
    public const string DefaultDeadline = "2s";
    public NodeProcess Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("pg-conf-").FullName, "test.conf");
        await File.WriteAllTextAsync(config, $"promisegrid.default-deadline = {DefaultDeadline}\npromisegrid.max-deadline = 10s\n");
        Node = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["PG_PLUGINS"] = RepoPaths.TestPluginsFolder,
            ["PG_MODULES"] = "echo,sys,hash,PromiseGrid.TestPlugins.FlakyModule,PromiseGrid.TestPlugins.HangModule,PromiseGrid.TestPlugins.DripModule,PromiseGrid.TestPlugins.LoopModule",
        }, "--config", config);
    }

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>The gateway and CLI tests share one node: starting a process costs seconds.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayNodeCollection : ICollectionFixture<GatewayNodeFixture>
{
    public const string Name = "gateway node";
}
