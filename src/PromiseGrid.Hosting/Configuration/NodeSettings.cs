using System.Collections;
using Akka.Configuration;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Security;
using PromiseGrid.Kernel.Serialization;
using PromiseGrid.Hosting.Telemetry;

namespace PromiseGrid.Hosting.Configuration;

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
    string LogFormat,
    RemotingTlsSettings Tls,
    GatewayTlsSettings Https,
    GatewayLimits Limits,
    GridSettings Grid,
    Config AkkaConfig)
{
    public const string SystemName = "promisegrid";

    /// <summary>Whether and how this node traces requests (<c>promisegrid.tracing</c>); off unless configured.</summary>
    internal TracingSettings Tracing { get; init; } = TracingSettings.Off;
    private const string EmbeddedDefaults = "PromiseGrid.Hosting.node.conf";

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
        ["PG_LOGFORMAT"] = "promisegrid.node.log-format",
        ["PG_JOIN_TIMEOUT"] = "promisegrid.node.join-timeout",
        ["PG_TLS_CERT"] = "promisegrid.node.tls.certificate",
        ["PG_TLS_PASSWORD"] = "promisegrid.node.tls.password",
        ["PG_TLS_CA"] = "promisegrid.node.tls.ca",
        ["PG_HTTPS_CERT"] = "promisegrid.node.https.certificate",
        ["PG_HTTPS_PASSWORD"] = "promisegrid.node.https.password",
        ["PG_HTTPS_CLIENT_CA"] = "promisegrid.node.https.client-ca",
        // Capability settings: plain strings here, read and checked by the kernel.
        ["PG_TRUST"] = "promisegrid.security.trust",
        ["PG_TOKEN"] = "promisegrid.security.token",
        ["PG_KEY"] = "promisegrid.security.key",
        // Share of requests traced, 0 to 1 (Telemetry/TracingSettings.cs).
        ["PG_TRACE_SAMPLE"] = "promisegrid.tracing.sample",
        // The gpt/ module's model file and fallback (read by the module, src/PromiseGrid.Modules/Gpt/gpt.conf).
        ["PG_GPT_MODEL"] = "promisegrid.gpt.model",
        ["PG_GPT_FALLBACK"] = "promisegrid.gpt.fallback",
        ["PG_GPT_FALLBACK_OPTIONS"] = "promisegrid.gpt.fallback-options",
        ["PG_GPT_BATCHING"] = "promisegrid.gpt.batching",
        // CIDs whose wasm/<cid>/ routes are pure (read by the module, src/PromiseGrid.Modules/Wasm/wasm.conf).
        ["PG_WASM_PURE"] = "promisegrid.wasm.pure",
        // The store's repair (read by the module, src/PromiseGrid.Modules/Store/store.conf).
        ["PG_STORE_REPAIR_INTERVAL"] = "promisegrid.store.repair.interval",
        ["PG_STORE_REPAIR_BUCKETS"] = "promisegrid.store.repair.buckets",
        ["PG_STORE_REPAIR_CONCURRENCY"] = "promisegrid.store.repair.concurrency",
    };

    private static readonly string[] LogLevels = ["DEBUG", "INFO", "WARNING", "ERROR", "OFF"];

    /// <summary><c>text</c>: Akka's own lines; <c>json</c>: one JSON object per line (<see cref="Logs.JsonLogger"/>).</summary>
    public static IReadOnlyList<string> LogFormats { get; } = ["text", "json"];

    /// <summary>The node's embedded defaults (config/node.conf).</summary>
    public static Config DefaultConfig() =>
        ConfigurationFactory.FromResource(EmbeddedDefaults, typeof(NodeSettings).Assembly);

    /// <summary>Reads the settings; throws <see cref="NodeConfigurationException"/> naming the bad value.</summary>
    /// <param name="environment">PG_* variables, strongest of all, so an operator can override any host.</param>
    /// <param name="configFile">An optional HOCON file (<c>--config</c>).</param>
    /// <param name="code">Settings a host gives in code (<see cref="PromiseGridOptions"/>): under the environment, over the file.</param>
    public static NodeSettings Load(IDictionary environment, string? configFile = null, Config? code = null)
    {
        // Layers that are absent are left out rather than added as Config.Empty: Akka refuses a
        // fallback that is already in the chain, and Config.Empty is one shared instance.
        var layered = FromEnvironment(environment);
        foreach (var layer in new[] { code, FromFile(configFile), DefaultConfig(), GridSettings.DefaultConfig() })
            if (layer is not null && !layer.IsEmpty) layered = layered.WithFallback(layer);
        var node = layered.GetConfig("promisegrid.node");

        var host = Required(node.GetString("host"), "PG_HOST");
        var bindHost = string.IsNullOrWhiteSpace(node.GetString("bind-host")) ? host : node.GetString("bind-host").Trim();
        var port = node.GetInt("port");
        if (port is < 0 or > 65535) throw new NodeConfigurationException($"PG_PORT must be a port number from 0 to 65535, got {port}");
        var tls = ReadTls(node.GetConfig("tls"));
        var seeds = SplitList(node.GetString("seeds"));
        foreach (var seed in seeds)
            CheckSeed(seed, tls);
        var http = Required(node.GetString("http"), "PG_HTTP");
        if (!Uri.TryCreate(http, UriKind.Absolute, out var httpUri) || httpUri.Scheme is not ("http" or "https"))
            throw new NodeConfigurationException($"PG_HTTP must be a URL like http://127.0.0.1:7070, got '{http}'");
        var https = ReadHttps(node.GetConfig("https"), httpUri);
        var limits = GatewayLimits.Read(node.GetConfig("gateway"));
        var modules = SplitList(node.GetString("modules"));
        var logLevel = node.GetString("log-level").Trim().ToUpperInvariant();
        if (!LogLevels.Contains(logLevel))
            throw new NodeConfigurationException($"PG_LOGLEVEL must be one of {string.Join(", ", LogLevels)}, got '{logLevel}'");
        var logFormat = node.GetString("log-format", "text").Trim().ToLowerInvariant();
        if (!LogFormats.Contains(logFormat))
            throw new NodeConfigurationException(
                $"PG_LOGFORMAT (promisegrid.node.log-format) must be one of {string.Join(", ", LogFormats)}, got '{logFormat}'");

        var joinTimeout = ReadJoinTimeout(node);

        var tracing = TracingSettings.Read(layered.GetConfig("promisegrid.tracing"), environment);

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
        var securityState = Path.Combine(Path.GetFullPath(node.GetString("data")), DurableSecurityState.FolderName);
        var derived = ConfigurationFactory.ParseString($$"""
            akka.loglevel = {{logLevel}}
            akka.remote.dot-netty.tcp.hostname = {{Quote(bindHost)}}
            akka.remote.dot-netty.tcp.public-hostname = {{Quote(host)}}
            akka.remote.dot-netty.tcp.port = {{port}}
            akka.cluster.seed-nodes = [{{string.Join(", ", seeds.Select(Quote))}}]
            akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {{joinTimeout}}
            akka.remote.dot-netty.tcp.enable-ssl = {{(tls.Enabled ? "on" : "off")}}
            {{LogFormatHocon(logFormat)}}
            """)
            // Revocations and holder nonces on disk, in the node's data folder (reference.conf, akka.cluster.distributed-data).
            .WithFallback(DurableSecurityState.For(securityState));
        // The cluster role that says which wire format this node reads (docs/wire.md#rolling-upgrades).
        var akka = WireVersionRole.Advertise(derived.WithFallback(layered));
        return new NodeSettings(host, bindHost, port, seeds, http, modules,
            Path.GetFullPath(node.GetString("data")), Path.GetFullPath(node.GetString("plugins")),
            logLevel, logFormat, tls, https, limits, grid, akka) { Tracing = tracing };
    }

    /// <summary>
    /// In json mode the JSON logger is Akka's only logger, and the lines Akka writes to stdout
    /// itself before its loggers start and after they stop are JSON too, so stdout is JSON only.
    /// </summary>
    private static string LogFormatHocon(string logFormat) => logFormat == "json"
        ? $"akka.loggers = [{Quote(Logs.JsonLogger.TypeName)}]\nakka.stdout-logger-class = {Quote(Logs.JsonStandardOutLogger.TypeName)}"
        : "";

    /// <summary>
    /// How long a node with seeds may try to join before it gives up and exits (Akka's
    /// shutdown-after-unsuccessful-join-seed-nodes, as HOCON): a duration above zero, or off.
    /// </summary>
    private static string ReadJoinTimeout(Config node)
    {
        var text = node.GetString("join-timeout", "").Trim();
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase)) return "off";
        TimeSpan timeout;
        try
        {
            timeout = node.GetTimeSpan("join-timeout", allowInfinite: false);
        }
        catch (Exception error) when (error is FormatException or ConfigurationException or OverflowException)
        {
            throw new NodeConfigurationException($"PG_JOIN_TIMEOUT (promisegrid.node.join-timeout) must be a duration like 60s, or off; got '{text}'");
        }
        if (timeout <= TimeSpan.Zero)
            throw new NodeConfigurationException($"PG_JOIN_TIMEOUT (promisegrid.node.join-timeout) must be above zero, or off; got '{text}'");
        return $"{(long)timeout.TotalMilliseconds}ms";
    }

    /// <summary>
    /// TLS is on when a certificate is named; then the CA must be named too, since a node that
    /// trusted nothing (or the system store) would not be checking that peers belong to the grid.
    /// </summary>
    private static RemotingTlsSettings ReadTls(Config tls)
    {
        var certificate = tls.GetString("certificate", "").Trim();
        var ca = tls.GetString("ca", "").Trim();
        if (certificate.Length == 0)
        {
            if (ca.Length > 0)
                throw new NodeConfigurationException("PG_TLS_CA is set but PG_TLS_CERT is not: set both to switch TLS on, or neither");
            return RemotingTlsSettings.Off;
        }
        if (ca.Length == 0)
            throw new NodeConfigurationException("PG_TLS_CERT is set but PG_TLS_CA is not: TLS needs the grid CA certificate (PEM) to check the other nodes' certificates");
        return new RemotingTlsSettings(Path.GetFullPath(certificate), tls.GetString("password", ""), Path.GetFullPath(ca));
    }

    /// <summary>
    /// An https:// gateway needs its certificate, and a certificate needs an https:// gateway: a
    /// node told to serve TLS must never quietly serve plain HTTP, nor hold a key it does not use.
    /// </summary>
    private static GatewayTlsSettings ReadHttps(Config https, Uri url)
    {
        var certificate = https.GetString("certificate", "").Trim();
        var clientCa = https.GetString("client-ca", "").Trim();
        if (url.Scheme == "https" && certificate.Length == 0)
            throw new NodeConfigurationException($"PG_HTTP is {url.GetLeftPart(UriPartial.Authority)} but PG_HTTPS_CERT is not set: an https gateway needs its certificate (PKCS#12)");
        if (url.Scheme == "http" && certificate.Length > 0)
            throw new NodeConfigurationException("PG_HTTPS_CERT is set but PG_HTTP is http://: use https:// to serve the gateway over TLS, or unset PG_HTTPS_CERT");
        if (url.Scheme == "http" && clientCa.Length > 0)
            throw new NodeConfigurationException("PG_HTTPS_CLIENT_CA is set but PG_HTTP is http://: client certificates need an https:// gateway");
        return certificate.Length == 0
            ? GatewayTlsSettings.Off
            : new GatewayTlsSettings(Path.GetFullPath(certificate), https.GetString("password", ""), clientCa.Length == 0 ? "" : Path.GetFullPath(clientCa));
    }

    /// <summary>With TLS the transport's address protocol is akka.ssl.tcp: a seed named with the other one is never reached.</summary>
    private static void CheckSeed(string seed, RemotingTlsSettings tls)
    {
        var expected = $"{tls.Protocol}://{SystemName}@";
        if (seed.StartsWith(expected, StringComparison.Ordinal)) return;
        var other = tls.Enabled ? "akka.tcp" : "akka.ssl.tcp";
        if (seed.StartsWith($"{other}://", StringComparison.Ordinal))
            throw new NodeConfigurationException(tls.Enabled
                ? $"PG_SEEDS entry '{seed}' uses akka.tcp:// but TLS is on (PG_TLS_CERT): use akka.ssl.tcp://"
                : $"PG_SEEDS entry '{seed}' uses akka.ssl.tcp:// but TLS is off (PG_TLS_CERT is empty): use akka.tcp://, or set PG_TLS_CERT and PG_TLS_CA");
        throw new NodeConfigurationException($"PG_SEEDS entry '{seed}' is not an address like {tls.Protocol}://{SystemName}@host:port");
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
    internal static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
