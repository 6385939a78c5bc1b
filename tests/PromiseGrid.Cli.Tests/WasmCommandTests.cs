using System.Text;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Tests;

/// <summary>
/// <c>pgrid wasm put</c> and <c>pgrid wasm call</c> against the fake gateway with the in-memory store:
/// WAT is converted to binary here, the binary is what is stored and named by the CID, and a module
/// outside the guest ABI is refused with its reason (exit 2) before anything is sent.
/// </summary>
public sealed class WasmCommandTests : IDisposable
{
    /// <summary>A module with the whole ABI: memory, grid_alloc, grid_complete (answers its input).</summary>
    private const string IdentityWat = """
        (module
          (memory (export "memory") 1)
          (func (export "grid_alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "grid_complete") (param $p i32) (param $n i32) (result i64)
            (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n)))))
        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pgrid-wasm-");
    private readonly InMemoryStore _store = new();

    public void Dispose() => _folder.Delete(recursive: true);

    private Task<FakeGateway> StartAsync() => FakeGateway.StartAsync(_store.RespondAsync);

    private string WriteFile(string name, string text) => WriteFile(name, Encoding.UTF8.GetBytes(text));

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The repository: the folder holding PromiseGrid.sln, found upwards from the test binaries.</summary>
    private static readonly string RepoRoot = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PromiseGrid.sln"))) return dir.FullName;
        throw new InvalidOperationException("PromiseGrid.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A file of examples/wasm.</summary>
    private static string Example(string name) => Path.Combine(RepoRoot, "examples", "wasm", name);

    [Fact]
    public async Task Put_of_a_wat_file_stores_the_converted_binary_and_prints_its_CID()
    {
        await using var gateway = await StartAsync();

        var put = await Cli.RunAsync(["wasm", "put", Example("upper.wat"), "--node", gateway.Url]);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal("", put.Stderr);
        var request = Assert.Single(gateway.Requests);
        var stored = request.Body["store/put/".Length..];
        Assert.Equal("store/put/"u8.ToArray(), request.Body[.."store/put/".Length]);
        Assert.Equal([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], stored[..8]); // \0asm, version 1
        Assert.Equal(Wasmtime.Module.ConvertText(File.ReadAllText(Example("upper.wat"))), stored);
        Assert.Equal(Cid.Of(stored) + "\n", put.StdoutText);
    }

    [Theory]
    [InlineData("examples/wasm/upper.wat")]
    [InlineData("examples/wasm/assemblyscript/assembly/index.ts")]
    public void The_README_shows_each_example_as_the_file_holds_it(string path)
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot, "README.md")).ReplaceLineEndings("\n");
        var marker = $"<!-- example: {path} -->\n";
        var start = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{marker.Trim()}' marker");
        var body = readme[(readme.IndexOf('\n', start + marker.Length) + 1)..];
        body = body[..body.IndexOf("```\n", StringComparison.Ordinal)];

        Assert.Equal(File.ReadAllText(Path.Combine(RepoRoot, path)).ReplaceLineEndings("\n"), body);
    }

    [Fact]
    public async Task Put_of_a_binary_stores_its_bytes_unchanged_under_their_own_CID()
    {
        await using var gateway = await StartAsync();
        var binary = Wasmtime.Module.ConvertText(File.ReadAllText(Example("echo-reverse.wat")));
        var path = WriteFile("echo-reverse.wasm", binary);

        var put = await Cli.RunAsync(["wasm", "put", path, "--node", gateway.Url]);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal(Cid.Of(binary) + "\n", put.StdoutText);
        Assert.Equal(binary, _store.Blobs[Cid.Of(binary).ToString()]);
    }

    [Theory]
    [InlineData("upper.wat")]
    [InlineData("echo-reverse.wat")]
    public async Task Each_example_keeps_to_the_guest_ABI_and_dry_run_sends_nothing(string example)
    {
        await using var gateway = await StartAsync();

        var put = await Cli.RunAsync(["wasm", "put", Example(example), "--dry-run", "--node", gateway.Url]);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal(Cid.Of(Wasmtime.Module.ConvertText(File.ReadAllText(Example(example)))) + "\n", put.StdoutText);
        Assert.Empty(gateway.Requests);
    }

    public static TheoryData<string, string, string> ModulesOutsideTheAbi() => new()
    {
        {
            "no-grid-complete.wat",
            """(module (memory (export "memory") 1) (func (export "grid_alloc") (param i32) (result i32) (i32.const 0)))""",
            "does not export grid_complete; the guest ABI needs exports memory, grid_alloc(i32) -> i32 and grid_complete(i32, i32) -> i64"
        },
        {
            "no-memory.wat",
            IdentityWat.Replace("""(memory (export "memory") 1)""", "(memory 1)"),
            "does not export memory;"
        },
        {
            "no-alloc.wat",
            IdentityWat.Replace("\"grid_alloc\"", "\"alloc\""),
            "does not export grid_alloc;"
        },
        {
            "wrong-signature.wat",
            IdentityWat.Replace("(result i64)", "(result i32)").Replace("(i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n)))", "(local.get $n)"),
            "exports grid_complete as (i32, i32) -> i32; the guest ABI needs grid_complete(i32, i32) -> i64"
        },
        {
            "alloc-is-a-global.wat",
            IdentityWat.Replace("""(func (export "grid_alloc") (param i32) (result i32) (i32.const 1024))""", """(global (export "grid_alloc") i32 (i32.const 0))"""),
            "exports grid_alloc as a global, not a function (i32) -> i32"
        },
        {
            "imports-abort.wat",
            IdentityWat.Replace("(module", """(module (import "env" "abort" (func (param i32 i32 i32 i32)))"""),
            "imports env.abort; a module may import only grid.complete(i32, i32) -> i64 (AssemblyScript: build with --runtime stub --use abort=)"
        },
        {
            "grid-complete-mistyped.wat",
            IdentityWat.Replace("(module", """(module (import "grid" "complete" (func (param i32) (result i32)))"""),
            "imports grid.complete as (i32) -> i32; the host provides grid.complete(i32, i32) -> i64"
        },
        {
            "not-wat.wat",
            "(module (func (export \"grid_alloc\") (param i32) (result i32)\n  (i32.bogus)))",
            "is not valid WAT:"
        },
        {
            "invalid.wat",
            IdentityWat.Replace("(i32.const 1024)", "(i64.const 1024)"),
            "is not valid WebAssembly:"
        },
    };

    [Theory]
    [MemberData(nameof(ModulesOutsideTheAbi))]
    public async Task A_module_outside_the_guest_ABI_is_refused_with_the_reason_before_anything_is_sent(string name, string wat, string reason)
    {
        await using var gateway = await StartAsync();
        var path = WriteFile(name, wat);

        var put = await Cli.RunAsync(["wasm", "put", path, "--node", gateway.Url]);

        Assert.Equal(ExitCodes.Usage, put.ExitCode);
        Assert.Contains(reason, put.SingleErrorLine());
        Assert.Contains(name, put.Stderr);
        Assert.Empty(put.Stdout);
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task A_wasm_file_that_is_not_WebAssembly_is_refused_naming_its_first_bytes()
    {
        await using var gateway = await StartAsync();
        var path = WriteFile("photo.wasm", [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

        var put = await Cli.RunAsync(["wasm", "put", path, "--node", gateway.Url]);

        Assert.Equal(ExitCodes.Usage, put.ExitCode);
        Assert.Contains("is not WebAssembly: a module starts with the bytes 00 61 73 6d ('\\0asm'), this file with ff d8 ff e0", put.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error()
    {
        var put = await Cli.RunAsync(["wasm", "put", Path.Combine(_folder.FullName, "nothing.wat"), "--node", "http://127.0.0.1:1"]);

        Assert.Equal(ExitCodes.Usage, put.ExitCode);
        Assert.Contains("no such file", put.SingleErrorLine());
    }

    [Fact]
    public async Task A_node_that_refuses_the_put_is_a_grid_error()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 403, "Denied", "Denied", "no capability token: store/put/ needs one"));

        var put = await Cli.RunAsync(["wasm", "put", Example("upper.wat"), "--node", gateway.Url]);

        Assert.Equal(ExitCodes.GridError, put.ExitCode);
        Assert.Contains("no capability token", put.SingleErrorLine());
        Assert.Empty(put.Stdout);
    }

    [Fact]
    public async Task Call_completes_wasm_cid_input_and_writes_the_output_raw()
    {
        var cid = Cid.Of("some module"u8).ToString();
        await using var gateway = await FakeGateway.StartAsync((request, response) =>
            FakeGateway.Bytes(response, [.. "HELLO"u8, 0x00, 0xff], "wasm@node2"));

        var call = await Cli.RunAsync(["wasm", "call", cid, "hello", "--show-provider", "--deadline", "1500", "--node", gateway.Url]);

        Assert.True(call.ExitCode == 0, call.Stderr);
        Assert.Equal([.. "HELLO"u8, 0x00, 0xff], call.Stdout);
        Assert.Equal("provider=wasm@node2\n", call.Stderr);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal(Encoding.ASCII.GetBytes($"wasm/{cid}/hello"), request.Body);
        Assert.Equal("1500", request.Header("Grid-Deadline"));
    }

    [Fact]
    public async Task Call_takes_the_input_as_hex_and_an_empty_input()
    {
        var cid = Cid.Of("some module"u8).ToString();
        await using var gateway = await FakeGateway.StartAsync((_, response) => FakeGateway.Bytes(response, []));

        var hex = await Cli.RunAsync(["wasm", "call", cid, "--hex", "00ff", "--node", gateway.Url]);
        var empty = await Cli.RunAsync(["wasm", "call", cid, "", "--node", gateway.Url]);

        Assert.True(hex.ExitCode == 0, hex.Stderr);
        Assert.True(empty.ExitCode == 0, empty.Stderr);
        var requests = gateway.Requests.ToArray();
        Assert.Equal([.. Encoding.ASCII.GetBytes($"wasm/{cid}/"), 0x00, 0xff], requests[0].Body);
        Assert.Equal(Encoding.ASCII.GetBytes($"wasm/{cid}/"), requests[1].Body);
    }

    [Fact]
    public async Task Call_with_a_malformed_CID_is_a_usage_error_and_sends_nothing()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) => FakeGateway.Bytes(response, []));

        var call = await Cli.RunAsync(["wasm", "call", "Qmfoo", "hello", "--node", gateway.Url]);

        Assert.Equal(ExitCodes.Usage, call.ExitCode);
        Assert.Contains("CIDv0", call.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task A_failed_module_is_one_error_line_with_exit_1()
    {
        var cid = Cid.Of("some module"u8).ToString();
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 502, "ModuleFailed", "Module failed", "wasm trap: wasm `unreachable` instruction executed"));

        var call = await Cli.RunAsync(["wasm", "call", cid, "x", "--node", gateway.Url]);

        Assert.Equal(ExitCodes.GridError, call.ExitCode);
        Assert.Contains("unreachable", call.SingleErrorLine());
        Assert.Contains("(502)", call.Stderr);
    }
}
