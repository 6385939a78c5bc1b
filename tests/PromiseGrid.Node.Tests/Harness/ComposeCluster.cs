using System.Text.Json;
using System.Text.RegularExpressions;

namespace PromiseGrid.Node.Tests.Harness;

/// <summary>
/// The repository's <c>docker-compose.yml</c> run as real node processes by
/// <c>deploy/compose-netns</c>: one Linux network namespace per service, each with its own
/// address, the service names resolvable inside every namespace. Each cluster gets a unique
/// name prefix and state folder, so a leftover from a crashed run never collides with it;
/// <see cref="DisposeAsync"/> stops every node and removes the namespaces. Needs root.
/// The nodes speak mutual TLS: each cluster gets a grid CA and node certificates of its own,
/// made by deploy/make-certs.sh in the state folder and mounted in place of ./deploy/certs.
/// </summary>
public sealed partial class ComposeCluster : IAsyncDisposable
{
    private const string PrefixFamily = "pgt";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(4);

    private readonly Dictionary<string, ServiceInfo> _services;
    private bool _disposed;

    private readonly IReadOnlyDictionary<string, string> _variables;

    private ComposeCluster(string prefix, string stateDir, IReadOnlyList<string> composeFiles,
        IReadOnlyDictionary<string, string> variables, Dictionary<string, ServiceInfo> services)
    {
        Prefix = prefix;
        StateDir = stateDir;
        ComposeFiles = composeFiles;
        _variables = variables;
        _services = services;
    }

    /// <summary>
    /// Where one service runs: its namespace, its address and its gateway. <paramref name="Service"/>
    /// is the instance (<c>node1</c>, or a replica <c>worker-3</c>), <paramref name="ComposeService"/>
    /// the compose file's service it runs (<c>node1</c>, <c>worker</c>).
    /// </summary>
    public sealed record ServiceInfo(string Service, string ComposeService, string Namespace, string Address, Uri Gateway, int? Pid, bool Alive);

    /// <summary>Prefix of this cluster's namespace and link names (<c>pgt</c> and six hex digits).</summary>
    public string Prefix { get; }

    /// <summary>The script's state folder: one <c>SERVICE.log</c> and <c>SERVICE.pid</c> per service.</summary>
    public string StateDir { get; }

    /// <summary>docker-compose.yml, then any override files merged over it.</summary>
    public IReadOnlyList<string> ComposeFiles { get; }

    /// <summary>This cluster's certificate folder (the compose files' PG_CERTS): ca.crt, ca.key, SERVICE.pfx.</summary>
    public string CertsDir => Path.Combine(StateDir, "certs");

    /// <summary>Every service of the compose file, started or not.</summary>
    public IReadOnlyCollection<string> Services => _services.Keys;

    /// <summary>Talks to the gateways; never through a proxy (the addresses exist only on this host).</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Brings up the repository's docker-compose.yml, starting <paramref name="services"/> (none: all).</summary>
    public static Task<ComposeCluster> UpAsync(params string[] services) => UpWithOverridesAsync([], services);

    /// <summary>
    /// Brings up the repository's docker-compose.yml with <c>--scale SERVICE=N</c> per entry of
    /// <paramref name="scale"/> (replicas SERVICE-1..SERVICE-N), starting every service.
    /// </summary>
    public static Task<ComposeCluster> UpScaledAsync(IReadOnlyDictionary<string, int> scale) =>
        UpCoreAsync([], scale, new Dictionary<string, string>(), waitHealthy: true, []);

    /// <summary>Runs <c>up --scale SERVICE=N</c> again: more replicas start, those above N stop and go.</summary>
    public async Task ScaleAsync(string service, int replicas)
    {
        await RunAsync(["up", .. ComposeFiles.SelectMany(f => new[] { "--file", f }), "--dll", RepoPaths.NodeDll, "--scale", $"{service}={replicas}"]);
        await RefreshAsync();
    }

    /// <summary>
    /// Brings up the repository's docker-compose.yml merged with <paramref name="overrideFiles"/>
    /// (as <c>docker-compose -f docker-compose.yml -f OVERRIDE</c> merges them; relative paths in
    /// them resolve against the repository root), e.g. to give one service a test module:
    /// a namespace for every service, the named <paramref name="services"/> (none: all) started;
    /// returns once each answers /health with 200.
    /// </summary>
    public static Task<ComposeCluster> UpWithOverridesAsync(IEnumerable<string> overrideFiles, params string[] services) =>
        UpCoreAsync(overrideFiles, new Dictionary<string, int>(), new Dictionary<string, string>(), waitHealthy: true, services);

    /// <summary>
    /// <c>compose-netns up --file docker-compose.yml --file OVERRIDE... --scale SERVICE=N... --no-wait</c>
    /// with <paramref name="variables"/> in the script's environment (the compose files'
    /// <c>${VAR}</c>, on this and every later command): every service started, returning as soon
    /// as every node process runs, for a caller that times the start itself.
    /// </summary>
    public static Task<ComposeCluster> StartScaledAsync(IEnumerable<string> overrideFiles, IReadOnlyDictionary<string, int> scale,
        IReadOnlyDictionary<string, string> variables) =>
        UpCoreAsync(overrideFiles, scale, variables, waitHealthy: false, []);

    private static async Task<ComposeCluster> UpCoreAsync(IEnumerable<string> overrideFiles, IReadOnlyDictionary<string, int> scale,
        IReadOnlyDictionary<string, string> variables, bool waitHealthy, string[] services)
    {
        var prefix = PrefixFamily + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 3);
        var stateDir = Path.Combine(Path.GetTempPath(), "promisegrid-netns", prefix);
        string[] files = [Path.Combine(RepoPaths.Root, "docker-compose.yml"), .. overrideFiles.Select(Path.GetFullPath)];
        var cluster = new ComposeCluster(prefix, stateDir, files, variables, []);
        try
        {
            // Leftovers of test runs that died before disposing: half an hour old, nodes and all.
            await cluster.RunAsync(["prune", "--family", PrefixFamily, "--min-age", "1800", "--stop-running"]);
            await cluster.MakeCertificatesAsync();
            string[] wait = waitHealthy ? [] : ["--no-wait"];
            await cluster.RunAsync(["up", .. files.SelectMany(f => new[] { "--file", f }), "--dll", RepoPaths.NodeDll,
                .. scale.SelectMany(s => new[] { "--scale", $"{s.Key}={s.Value}" }), .. wait, .. services]);
            await cluster.RefreshAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public ServiceInfo InfoOf(string service) =>
        _services.TryGetValue(service, out var info)
            ? info
            : throw new ArgumentException($"no service '{service}' in {string.Join(" + ", ComposeFiles)} (services: {string.Join(", ", _services.Keys)})", nameof(service));

    /// <summary>The service's HTTP gateway as the host reaches it, e.g. http://10.213.0.2:7070/.</summary>
    public Uri GatewayOf(string service) => InfoOf(service).Gateway;

    /// <summary>SIGKILL, as a host that crashes: no graceful leave.</summary>
    public Task KillAsync(string service) => RunAsync(["kill", InfoOf(service).Service]);

    /// <summary>SIGTERM, as <c>docker stop</c>: the node leaves the cluster; SIGKILL after stop_grace_period.</summary>
    public Task StopAsync(string service) => RunAsync(["stop", InfoOf(service).Service]);

    /// <summary>Starts the service again in its namespace (same address) and waits until /health is 200.</summary>
    public async Task StartAsync(string service)
    {
        await RunAsync(["start", InfoOf(service).Service]);
        await RefreshAsync();
    }

    /// <summary>Everything the service's node wrote to stdout and stderr, across restarts.</summary>
    public async Task<string> LogOf(string service)
    {
        InfoOf(service);
        var path = Path.Combine(StateDir, service + ".log");
        if (!File.Exists(path)) return "";
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The script's view right now: pid and liveness of every service.</summary>
    public async Task<IReadOnlyList<ServiceInfo>> StatusAsync()
    {
        await RefreshAsync();
        return [.. _services.Values];
    }

    /// <summary>POSTs raw bytes to the service's <c>/complete</c>.</summary>
    public Task<HttpResponseMessage> CompleteAsync(string service, byte[] body, int? deadlineMs = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(GatewayOf(service), "/complete")) { Content = new ByteArrayContent(body) };
        if (deadlineMs is { } ms) request.Headers.Add("Grid-Deadline", ms.ToString());
        return Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Http.Dispose();
        try
        {
            await RunAsync(["down", "--volumes"]);
        }
        finally
        {
            // PG_KEEP_NETNS_STATE=1 keeps the logs for a look after the run.
            if (Environment.GetEnvironmentVariable("PG_KEEP_NETNS_STATE") != "1")
            {
                try
                {
                    Directory.Delete(StateDir, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                }
                catch (IOException)
                {
                    // A leftover temp folder is harmless.
                }
            }
        }
    }

    private async Task RefreshAsync()
    {
        var json = await RunAsync(["status"]);
        using var status = JsonDocument.Parse(json);
        _services.Clear();
        foreach (var entry in status.RootElement.GetProperty("services").EnumerateArray())
        {
            var name = entry.GetProperty("service").GetString()!;
            var pid = entry.GetProperty("pid");
            _services[name] = new ServiceInfo(
                name,
                entry.GetProperty("compose_service").GetString()!,
                entry.GetProperty("namespace").GetString()!,
                entry.GetProperty("address").GetString()!,
                new Uri(entry.GetProperty("gateway").GetString()!),
                pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : null,
                entry.GetProperty("alive").GetBoolean());
        }
    }

    /// <summary>
    /// A fresh grid CA and a certificate for every <c>/certs/NAME.pfx</c> the compose files name
    /// (PG_TLS_CERT), with no password, in <see cref="CertsDir"/>.
    /// </summary>
    private async Task MakeCertificatesAsync()
    {
        var names = ComposeFiles
            .SelectMany(file => CertificateReference().Matches(File.ReadAllText(file)))
            .Select(match => match.Groups[1].Value)
            .Distinct(StringComparer.Ordinal);
        await MakeCerts.RunAsync(CertsDir, names);
    }

    [GeneratedRegex(@"/certs/([A-Za-z0-9][A-Za-z0-9.-]*)\.pfx")]
    private static partial Regex CertificateReference();

    /// <summary>Runs deploy/compose-netns for this cluster; returns stdout, throws with stderr on failure.</summary>
    private async Task<string> RunAsync(IEnumerable<string> args)
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var environment = new Dictionary<string, string?>
        {
            ["PG_NETNS_PREFIX"] = null, ["PG_NETNS_STATE"] = null, ["PG_NETNS_DLL"] = null, ["PG_NETNS_SUBNET"] = null,
            ["COMPOSE_FILE"] = null, ["PG_TLS_PASSWORD"] = null,
            // The compose files mount ${PG_CERTS:-./deploy/certs} at /certs: this cluster's own certificates.
            ["PG_CERTS"] = CertsDir,
        };
        foreach (var (name, value) in _variables) environment[name] = value;
        var ran = await Command.TryRunAsync(RepoPaths.Root, environment, python,
            [Path.Combine(RepoPaths.Root, "deploy", "compose-netns"), "--prefix", Prefix, "--state", StateDir, .. args], ScriptTimeout);
        if (ran.ExitCode != 0)
            throw new InvalidOperationException($"compose-netns {string.Join(' ', args)} failed with exit code {ran.ExitCode}:\n{ran.Stderr}");
        return ran.Stdout;
    }
}
