using System.Text;

namespace PromiseGrid.Node.Tests.Harness;

/// <summary>
/// The repository's <c>docker-compose.yml</c> run by Docker itself (Debian's docker-compose v1 and
/// a real Docker engine), under a compose project name of its own, with a certificate folder of
/// its own (<c>PG_CERTS</c>) that the file's <c>certs</c> service fills. Base images: the
/// <c>PG_SDK_IMAGE</c> / <c>PG_RUNTIME_IMAGE</c> of the environment, else the stand-ins of
/// deploy/base-images/build.sh when they exist, else the compose file's defaults (the official
/// images). <see cref="DisposeAsync"/> runs <c>down -v</c> and removes the certificate folder.
/// </summary>
public sealed class DockerCompose : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(15);
    private readonly Dictionary<string, string?> _environment;
    private bool _disposed;

    private DockerCompose(string project, string certsDir, Dictionary<string, string?> environment)
    {
        Project = project;
        CertsDir = certsDir;
        _environment = environment;
    }

    /// <summary>The compose project name: <c>pgd</c> and six hex digits, unique per run.</summary>
    public string Project { get; }

    /// <summary>This project's certificate folder (PG_CERTS), filled by the <c>certs</c> service.</summary>
    public string CertsDir { get; }

    /// <summary>Talks to the published gateways on 127.0.0.1; never through a proxy.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Checks that a Docker engine answers, then names a fresh project; starts nothing yet.</summary>
    public static async Task<DockerCompose> CreateAsync()
    {
        var engine = await Command.TryRunAsync(RepoPaths.Root, null, "docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromMinutes(1));
        if (engine.ExitCode != 0)
            throw new InvalidOperationException(
                "these tests need a running Docker engine and docker-compose (as in CI: .ci/run installs docker.io and starts dockerd):\n" + engine.Output);
        var project = "pgd" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 3);
        var certs = Path.Combine(Path.GetTempPath(), "promisegrid-docker", project, "certs");
        var environment = new Dictionary<string, string?> { ["PG_CERTS"] = certs, ["COMPOSE_PROJECT_NAME"] = project };
        foreach (var (variable, standIn) in new[] { ("PG_SDK_IMAGE", "promisegrid-base/sdk:10.0"), ("PG_RUNTIME_IMAGE", "promisegrid-base/aspnet:10.0") })
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable))) continue;
            var inspected = await Command.TryRunAsync(RepoPaths.Root, null, "docker", ["image", "inspect", standIn], TimeSpan.FromMinutes(1));
            if (inspected.ExitCode == 0) environment[variable] = standIn;
        }
        return new DockerCompose(project, certs, environment);
    }

    /// <summary>Runs <c>docker-compose ARGS</c> in the repository for this project; returns stdout and stderr, throws on failure.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var ran = await Command.TryRunAsync(RepoPaths.Root, _environment, "docker-compose", args, CommandTimeout);
        if (ran.ExitCode != 0) throw new InvalidOperationException($"docker-compose {string.Join(' ', args)} exited {ran.ExitCode}:\n{ran.Output}");
        return ran.Output;
    }

    /// <summary>The container ids of a service (of every service when null).</summary>
    public async Task<string[]> ContainersAsync(string? service = null)
    {
        var output = await RunAsync(service is null ? ["ps", "-q"] : ["ps", "-q", service]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Docker's health of a container: starting, healthy or unhealthy (or its state when it has none).</summary>
    public async Task<string> HealthAsync(string container)
    {
        var inspected = await Command.TryRunAsync(RepoPaths.Root, null, "docker",
            ["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", container], TimeSpan.FromMinutes(1));
        return inspected.Output.Trim();
    }

    /// <summary>The gateway of the <paramref name="index"/>-th container of a service, as published on the host.</summary>
    public async Task<Uri> GatewayOfAsync(string service, int index = 1)
    {
        var published = (await RunAsync("port", "--index", index.ToString(), service, "7070")).Trim();
        return new Uri($"http://{published}/");
    }

    /// <summary>POSTs raw bytes to a gateway's <c>/complete</c>.</summary>
    public Task<HttpResponseMessage> CompleteAsync(Uri gateway, string body) =>
        Http.PostAsync(new Uri(gateway, "/complete"), new ByteArrayContent(Encoding.UTF8.GetBytes(body)));

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Http.Dispose();
        try
        {
            await RunAsync("down", "-v", "--remove-orphans", "--timeout", "30");
        }
        finally
        {
            try
            {
                Directory.Delete(Path.GetDirectoryName(CertsDir)!, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }
}
