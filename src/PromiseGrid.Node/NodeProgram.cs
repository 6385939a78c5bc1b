using Akka.Event;
using PromiseGrid.Node.Configuration;
using PromiseGrid.Node.Gateway;
using PromiseGrid.Node.Hosting;

namespace PromiseGrid.Node;

/// <summary>
/// The node's entry: read settings, start the grid node, put the HTTP gateway in front of it,
/// and on SIGTERM/Ctrl-C stop the gateway, then leave the cluster through CoordinatedShutdown.
/// </summary>
public static class NodeProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? configFile = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configFile = args[++i];
                    break;
                case "-h" or "--help":
                    // The variable list comes from the one table NodeSettings maps them with, so it can't fall behind.
                    Console.WriteLine("usage: PromiseGrid.Node [--config FILE]\nSettings come from environment variables ("
                                      + string.Join(", ", NodeSettings.EnvironmentKeys.Keys)
                                      + "), the optional HOCON file, and the embedded config/node.conf; see README.md.");
                    return 0;
                default:
                    Console.Error.WriteLine($"promisegrid-node: unknown argument '{args[i]}' (try --help)");
                    return 2;
            }
        }

        NodeSettings settings;
        GridNode node;
        try
        {
            settings = NodeSettings.Load(Environment.GetEnvironmentVariables(), configFile);
            node = GridNode.Start(settings);
        }
        catch (NodeConfigurationException error)
        {
            Console.Error.WriteLine($"promisegrid-node: {error.Message}");
            return 2;
        }

        var app = GatewayHost.Build(settings.HttpUrl, node);

        // If the actor system ends on its own (downed, left), the gateway goes with it.
        _ = node.System.WhenTerminated.ContinueWith(_ => app.Lifetime.StopApplication(), TaskScheduler.Default);
        try
        {
            await app.StartAsync();
        }
        catch (Exception error) when (error is IOException or InvalidOperationException)
        {
            node.Log.Error("gateway failed to start url={0} error={1}", settings.HttpUrl, error.Message);
            await node.StopAsync();
            return 1;
        }
        foreach (var url in app.Urls)
            node.Log.Info("gateway listening url={0}", url);

        await app.WaitForShutdownAsync();
        node.Log.Info("node stopping address={0}", node.Cluster.SelfAddress);
        await node.StopAsync();
        await node.System.WhenTerminated;
        return 0;
    }
}
