using System.Text;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests.Scale;

/// <summary>
/// The twelve services of the scale measurement: node1..node3 of docker-compose.yml plus nine
/// workers, each written out in a compose override file as a copy of node3's block (own host
/// name, certificate and data volume), and on every node the <c>routes/</c> test module that
/// registers routes at run time (tests/PromiseGrid.TestPlugins/RoutesModule.cs).
/// </summary>
/// <remarks>
/// The workers are written out only until docker-compose.yml has a scalable <c>worker</c>
/// service and deploy/compose-netns honours <c>--scale</c>; then <see cref="Workers"/> is
/// that service's replicas and the override keeps only the plugin lines.
/// </remarks>
public static class ScaleTopology
{
    public const int WorkerCount = 9;

    public static readonly string[] Seeds = ["node1", "node2", "node3"];

    public static readonly string[] Workers = [.. Enumerable.Range(1, WorkerCount).Select(i => $"worker{i}")];

    public static readonly string[] Services = [.. Seeds, .. Workers];

    private const string RoutesModule = "PromiseGrid.TestPlugins.RoutesModule";

    /// <summary>Writes the override file into <paramref name="folder"/> and returns its path.</summary>
    /// <summary>
    /// compose-netns restarts no node, so a node that gives up joining (PG_JOIN_TIMEOUT, exit 3)
    /// would stay down: twelve nodes starting at once on a loaded 2-core machine may need longer
    /// than the default 60 s, and this measures how long, rather than which node gave up.
    /// </summary>
    private const string JoinTimeout = "300s";

    public static string WriteOverride(string folder)
    {
        var plugins = RepoPaths.TestPluginsFolder;
        var yaml = new StringBuilder("# Written by tests/PromiseGrid.Node.Tests/Scale/ScaleTopology.cs\nservices:\n");
        foreach (var seed in Seeds)
        {
            // node3 keeps hash/, as in docker-compose.yml.
            var modules = seed == "node3" ? "echo,sys,hash,store,wasm" : "echo,sys,store,wasm";
            yaml.Append($$"""
                  {{seed}}:
                    environment:
                      PG_PLUGINS: "{{plugins}}"
                      PG_MODULES: "{{modules}},{{RoutesModule}}"
                      PG_JOIN_TIMEOUT: "{{JoinTimeout}}"

                """);
        }
        foreach (var worker in Workers)
        {
            // node3's block of docker-compose.yml (x-node and x-node-environment) with its own names.
            yaml.Append($$"""
                  {{worker}}:
                    hostname: {{worker}}
                    stop_grace_period: 30s
                    networks:
                      - grid
                    environment:
                      PG_BIND: 0.0.0.0
                      PG_PORT: "4053"
                      PG_SEEDS: akka.ssl.tcp://promisegrid@node1:4053,akka.ssl.tcp://promisegrid@node2:4053
                      PG_HTTP: http://0.0.0.0:7070
                      PG_MODULES: "echo,sys,store,wasm,{{RoutesModule}}"
                      PG_PLUGINS: "{{plugins}}"
                      PG_DATA: /data
                      PG_LOGLEVEL: INFO
                      PG_TLS_CA: /certs/ca.crt
                      PG_TLS_PASSWORD: ${PG_TLS_PASSWORD:-}
                      PG_TRUST: ${PG_TRUST:-}
                      PG_HOST: {{worker}}
                      PG_TLS_CERT: /certs/{{worker}}.pfx
                      PG_JOIN_TIMEOUT: "{{JoinTimeout}}"
                    volumes:
                      - {{worker}}-data:/data
                      - ${PG_CERTS:-./deploy/certs}:/certs:ro

                """);
        }
        yaml.Append("volumes:\n");
        foreach (var worker in Workers) yaml.Append($"  {worker}-data:\n");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "scale-12.yml");
        File.WriteAllText(path, yaml.ToString());
        return path;
    }
}
