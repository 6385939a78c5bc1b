using Akka.Event;
using PromiseGrid.Hosting;
using PromiseGrid.Hosting.Configuration;

namespace PromiseGrid.Node;

/// <summary>
/// The node's entry: read settings, build the host (<see cref="NodeHost"/>: the node through
/// Akka.Hosting, the gateway on Kestrel), and on SIGTERM/Ctrl-C stop the gateway, then leave the
/// cluster through CoordinatedShutdown, which the host runs as it stops. The exit code says why
/// the node ended (<see cref="NodeExit"/>).
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
                    return NodeExit.BadSettings;
            }
        }

        NodeSettings settings;
        WebApplication app;
        try
        {
            settings = NodeSettings.Load(Environment.GetEnvironmentVariables(), configFile);
            app = NodeHost.Build(settings);
        }
        catch (NodeConfigurationException error)
        {
            Console.Error.WriteLine($"promisegrid-node: {error.Message}");
            return NodeExit.BadSettings;
        }

        try
        {
            await app.StartAsync();
        }
        catch (Exception error) when (error is IOException or InvalidOperationException)
        {
            // The actor system started first (hosted services start in order); it logs through
            // the node, then the host's stop runs CoordinatedShutdown.
            app.Node().Log.Error("gateway failed to start url={0} error={1}", settings.HttpUrl, error.Message);
            await app.StopAsync();
            return NodeExit.Failed;
        }
        var node = app.Node();
        foreach (var url in app.Urls)
            node.Log.Info("gateway listening url={0}", url);
        app.Lifetime.ApplicationStopping.Register(() => node.Log.Info("node stopping address={0}", node.Cluster.SelfAddress));

        // Returns once the host has stopped: on SIGTERM/Ctrl-C, or when the actor system ends on
        // its own (not joined in time, downed, removed), which Akka.Hosting turns into a stop of
        // the host. The last line says why, after Akka's logger has stopped, so it is the last one.
        await app.WaitForShutdownAsync();
        await node.System.WhenTerminated;
        var exit = NodeExit.Of(node.System);
        // In json mode a log shipper reads every line as JSON, this one too (the reason quoted,
        // so its field holds all of it).
        Console.Error.WriteLine(settings.LogFormat == "json"
            ? PromiseGrid.Hosting.Logs.JsonLogLine.Format(new Akka.Event.Info("promisegrid-node", typeof(NodeProgram),
                $"exit code={exit.Code} reason=\"{exit.Reason}\" address={node.Cluster.SelfAddress}"))
            : $"promisegrid-node: exit code={exit.Code} reason={exit.Reason} address={node.Cluster.SelfAddress}");
        return exit.Code;
    }
}
