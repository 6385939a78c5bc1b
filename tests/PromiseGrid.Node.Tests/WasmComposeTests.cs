using System.Security.Cryptography;
using System.Text;
using PromiseGrid.Core.Content;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// The WebAssembly examples end to end (README.md#webassembly-modules), on the compose topology (three node processes over mutual TLS, every one
/// running <c>wasm</c>): modules from examples/wasm are put with <c>pgrid wasm put</c> through one
/// node and completed with <c>pgrid</c> through another. The module's bytes reach the completing node
/// through the store, and its <c>grid.complete</c> calls go through the grid like any other request.
/// </summary>
public sealed class WasmComposeTests(WasmComposeTests.WasmCluster grid) : IClassFixture<WasmComposeTests.WasmCluster>
{
    private static string Example(string name) => Path.Combine(RepoPaths.Root, "examples", "wasm", name);

    [Fact]
    public async Task Upper_wat_put_through_node1_upper_cases_through_node2_and_node3()
    {
        var cid = await grid.Pgrid("node1", "wasm", "put", Example("upper.wat"));
        Assert.True(Cid.TryParse(cid, out _), $"pgrid wasm put printed '{cid}', not a CID");

        foreach (var node in new[] { "node2", "node3" })
        {
            var result = await grid.Run(node, "complete", $"wasm/{cid}/hello", "--show-provider");
            Assert.True(result.ExitCode == 0, $"{node}: exit {result.ExitCode}: {result.Stderr}");
            Assert.Equal("HELLO", result.StdoutText);
            Assert.Contains("provider=wasm@", result.Stderr);
        }
    }

    [Fact]
    public async Task Echo_reverse_wat_completes_echo_through_the_grid_and_answers_it_reversed_through_node3()
    {
        var cid = await grid.Pgrid("node1", "wasm", "put", Example("echo-reverse.wat"));

        var result = await grid.Run("node3", "complete", $"wasm/{cid}/hello, grid");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Equal("dirg ,olleh", result.StdoutText);
        // Bytes that are not text come back reversed too: the module sees bytes, not characters.
        var binary = await grid.Run("node2", "wasm", "call", cid, "--hex", "00017f80ff");
        Assert.True(binary.ExitCode == 0, $"exit {binary.ExitCode}: {binary.Stderr}");
        Assert.Equal([0xff, 0x80, 0x7f, 0x01, 0x00], binary.Stdout);
    }

    [Fact]
    public async Task The_AssemblyScript_example_builds_with_npm_and_calls_hash_on_node3_through_the_grid()
    {
        var wasm = await WasmCluster.BuildAssemblyScriptExampleAsync();

        var cid = await grid.Pgrid("node2", "wasm", "put", wasm);
        var result = await grid.Run("node1", "wasm", "call", cid, "hello");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData("hello"u8));
        Assert.Equal($"hello (5 bytes) sha256 {sha256}", result.StdoutText);
    }

    [Fact]
    public async Task A_CID_nothing_was_stored_under_is_an_error_naming_it_and_the_node_serves_on()
    {
        var never = Cid.Of(Encoding.UTF8.GetBytes("no module " + Guid.NewGuid())).ToString();

        var missing = await grid.Run("node2", "complete", $"wasm/{never}/hello");
        var cid = await grid.Pgrid("node1", "wasm", "put", Example("upper.wat"));
        var after = await grid.Run("node2", "complete", $"wasm/{cid}/still here");

        Assert.Equal(1, missing.ExitCode);
        Assert.Empty(missing.Stdout);
        Assert.Contains(never, missing.Stderr);
        Assert.True(after.ExitCode == 0, after.Stderr);
        Assert.Equal("STILL HERE", after.StdoutText);
    }

    /// <summary>The three compose nodes, once for the class.</summary>
    public sealed class WasmCluster : IAsyncLifetime
    {
        public ComposeCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await ComposeCluster.UpAsync("node1", "node2", "node3");

        public async Task DisposeAsync()
        {
            if (Cluster is not null) await Cluster.DisposeAsync();
        }

        /// <summary>Runs the pgrid executable against <paramref name="node"/>'s gateway.</summary>
        public Task<CliProcess.Result> Run(string node, params string[] args) =>
            CliProcess.RunAsync(null, ["--node", Cluster.GatewayOf(node).ToString(), .. args]);

        /// <summary>Runs pgrid and returns its stdout, trimmed; fails the test with stderr (and the node's log) on a non-zero exit.</summary>
        public async Task<string> Pgrid(string node, params string[] args)
        {
            var result = await Run(node, args);
            if (result.ExitCode != 0)
                Assert.Fail($"pgrid {string.Join(' ', args)} via {node}: exit {result.ExitCode}: {result.Stderr}\n{node} log (tail):\n{Tail(await Cluster.LogOf(node))}");
            return result.StdoutText.Trim();
        }

        /// <summary>
        /// Builds examples/wasm/assemblyscript as its README says (npm ci, npm run build) and returns
        /// the module's path. Needs Node.js and npm (.ci/run installs them) and the npm registry.
        /// </summary>
        public static async Task<string> BuildAssemblyScriptExampleAsync()
        {
            var folder = Path.Combine(RepoPaths.Root, "examples", "wasm", "assemblyscript");
            await Command.RunAsync(folder, null, "npm", "ci", "--no-audit", "--no-fund");
            await Command.RunAsync(folder, null, "npm", "run", "build");
            var module = Path.Combine(folder, "build", "module.wasm");
            Assert.True(File.Exists(module), $"npm run build made no {module}");
            return module;
        }

        private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(30));
    }
}
