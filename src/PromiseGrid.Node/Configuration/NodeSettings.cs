using System.Collections;
using Akka.Configuration;
using PromiseGrid.Kernel;

namespace PromiseGrid.Node.Configuration;

/// <summary>
/// Everything a node needs to start, read once from the layered configuration described in
/// config/node.conf (environment over <c>--config</c> file over the embedded defaults).
/// <see cref="AkkaConfig"/> is the complete HOCON the actor system starts with.
/// </summary>
public sealed record NodeSettings(
    string Host,
    string BindHost,
    int Port,
    IReadOnlyList<string> Seeds,
    string HttpUrl,
    IReadOnlyList<string> Modules,
    string DataFolder,
    string PluginsFolder,
    string LogLevel,
    GridSettings Grid,
    Config AkkaConfig)
{
    public const string SystemName = "promisegrid";
    private const string EmbeddedDefaults = "PromiseGrid.Node.node.conf";

    /// <summary>Environment variable → HOCON key. One table, so docs and code can't drift apart.</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentKeys { get; } = new Dictionary<string, string>
    {
        ["PG_HOST"] = "promisegrid.node.host",
        ["PG_BIND"] = "promisegrid.node.bind-host",
        ["PG_PORT"] = "promisegrid.node.port",
        ["PG_SEEDS"] = "promisegrid.node.seeds",
        ["PG_HTTP"] = "promisegrid.node.http",
        ["PG_MODULES"] = "promisegrid.node.modules",
        ["PG_DATA"] = "promisegrid.node.data",
        ["PG_PLUGINS"] = "promisegrid.node.plugins",
        ["PG_LOGLEVEL"] = "promisegrid.node.log-level",
    };

    private static readonly string[] LogLevels = ["DEBUG", "INFO", "WARNING", "ERROR", "OFF"];

    /// <summary>The node's embedded defaults (config/node.conf).</summary>
    public static Config DefaultConfig() =>
        ConfigurationFactory.FromResource(EmbeddedDefaults, typeof(NodeSettings).Assembly);

    /// <summary>Reads the settings; throws <see cref="NodeConfigurationException"/> naming the bad value.</summary>
    public static NodeSettings Load(IDictionary environment, string? configFile = null)
    {
        var layered = FromEnvironment(environment)
            .WithFallback(FromFile(configFile))
            .WithFallback(DefaultConfig())
            .WithFallback(GridSettings.DefaultConfig());
        var node = layered.GetConfig("promisegrid.node");

        var host = Required(node.GetString("host"), "PG_HOST");
        var bindHost = string.IsNullOrWhiteSpace(node.GetString("bind-host")) ? host : node.GetString("bind-host").Trim();
        var port = node.GetInt("port");
        if (port is < 0 or > 65535) throw new NodeConfigurationException($"PG_PORT must be a port number from 0 to 65535, got {port}");
        var seeds = SplitList(node.GetString("seeds"));
        foreach (var seed in seeds)
            if (!seed.StartsWith($"akka.tcp://{SystemName}@", StringComparison.Ordinal))
                throw new NodeConfigurationException($"PG_SEEDS entry '{seed}' is not an address like akka.tcp://{SystemName}@host:port");
        var http = Required(node.GetString("http"), "PG_HTTP");
        if (!Uri.TryCreate(http, UriKind.Absolute, out var httpUri) || httpUri.Scheme is not ("http" or "https"))
            throw new NodeConfigurationException($"PG_HTTP must be a URL like http://127.0.0.1:7070, got '{http}'");
        var modules = SplitList(node.GetString("modules"));
        var logLevel = node.GetString("log-level").Trim().ToUpperInvariant();
        if (!LogLevels.Contains(logLevel))
            throw new NodeConfigurationException($"PG_LOGLEVEL must be one of {string.Join(", ", LogLevels)}, got '{logLevel}'");

        GridSettings grid;
        try
        {
            grid = GridSettings.Create(layered);
        }
        catch (ConfigurationException error)
        {
            throw new NodeConfigurationException(error.Message);
        }

        // The akka keys that follow from the node's own keys are derived here, not repeated
        // in node.conf, so PG_HOST and friends stay the only knobs an operator needs.
        var derived = ConfigurationFactory.ParseString($$"""
            akka.loglevel = {{logLevel}}
            akka.remote.dot-netty.tcp.hostname = {{Quote(bindHost)}}
            akka.remote.dot-netty.tcp.public-hostname = {{Quote(host)}}
            akka.remote.dot-netty.tcp.port = {{port}}
            akka.cluster.seed-nodes = [{{string.Join(", ", seeds.Select(Quote))}}]
            """);
        return new NodeSettings(host, bindHost, port, seeds, http, modules,
            Path.GetFullPath(node.GetString("data")), Path.GetFullPath(node.GetString("plugins")),
            logLevel, grid, derived.WithFallback(layered));
    }

    private static Config FromEnvironment(IDictionary environment)
    {
        var lines = new List<string>();
        foreach (var (variable, key) in EnvironmentKeys)
        {
            if (environment[variable] is not string value || value.Length == 0) continue;
            if (variable == "PG_PORT" && !int.TryParse(value, out _))
                throw new NodeConfigurationException($"PG_PORT must be a port number from 0 to 65535, got '{value}'");
            lines.Add($"{key} = {Quote(value)}");
        }
        return ConfigurationFactory.ParseString(string.Join('\n', lines));
    }

    private static Config FromFile(string? path)
    {
        if (path is null) return Config.Empty;
        if (!File.Exists(path)) throw new NodeConfigurationException($"config file '{path}' does not exist");
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception error) when (error is not NodeConfigurationException)
        {
            throw new NodeConfigurationException($"config file '{path}' is not valid HOCON: {error.Message}");
        }
    }

    private static string Required(string? value, string variable) =>
        string.IsNullOrWhiteSpace(value) ? throw new NodeConfigurationException($"{variable} must not be empty") : value.Trim();

    private static IReadOnlyList<string> SplitList(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A HOCON quoted string: values from the environment are data, never syntax.</summary>
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
