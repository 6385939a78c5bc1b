using System.Text.Json;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules.Tests;

public sealed class SysModuleTests(ITestOutputHelper output) : ModuleTestKit(LocalConfig, output)
{
    private async Task StartBothAsync()
    {
        await StartModuleAsync(EchoModule.Props(), "echo/");
        await StartModuleAsync(SysModule.Props(), "sys/routes", "sys/members", "sys/ledger", "sys/cache");
    }

    [Fact]
    public async Task Sys_routes_lists_every_route_as_json()
    {
        await StartBothAsync();

        var completion = await CompleteAsync("sys/routes");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal($"sys@{SelfAddress}", completion.Provider);
        var routes = JsonArray(completion);
        var node = SelfAddress.ToString();
        var listed = routes.Select(r => (
            Prefix: r.GetProperty("prefix").GetString(),
            Hex: r.GetProperty("prefixHex").GetString(),
            Module: r.GetProperty("module").GetString(),
            Node: r.GetProperty("node").GetString(),
            Pure: r.GetProperty("pure").GetBoolean())).ToArray();
        Assert.Equal(
            [
                ("echo/", "6563686f2f", "echo", node, false),
                ("sys/cache", "7379732f6361636865", "sys", node, false),
                ("sys/ledger", "7379732f6c6564676572", "sys", node, false),
                ("sys/members", "7379732f6d656d62657273", "sys", node, false),
                ("sys/routes", "7379732f726f75746573", "sys", node, false),
            ],
            listed);
    }

    [Fact]
    public async Task Sys_routes_follows_route_changes()
    {
        var echo = await StartModuleAsync(EchoModule.Props(), "echo/");
        await StartModuleAsync(SysModule.Props(), "sys/routes", "sys/members", "sys/ledger", "sys/cache");

        Sys.Stop(echo);
        await AwaitAssertAsync(() => Assert.Equal(4, Runtime.Routes.Snapshot.ValueCount), Patience);

        var prefixes = JsonArray(await CompleteAsync("sys/routes")).Select(r => r.GetProperty("prefix").GetString());
        Assert.Equal(["sys/cache", "sys/ledger", "sys/members", "sys/routes"], prefixes);
    }

    [Fact]
    public async Task Sys_members_without_a_cluster_is_this_node_alone_and_up()
    {
        await StartBothAsync();

        var completion = await CompleteAsync("sys/members");

        AssertStatus(CompletionStatus.Completed, completion);
        var member = Assert.Single(JsonArray(completion));
        Assert.Equal(SelfAddress.ToString(), member.GetProperty("address").GetString());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(0, member.GetProperty("roles").GetArrayLength());
    }

    [Fact]
    public async Task Sys_ledger_lists_kept_and_broken_promises_per_provider_and_prefix_as_json()
    {
        await StartBothAsync();
        await StartModuleAsync(Props.Create<FailingModule>(), @"fail\x00/");
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("echo/1"));
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("echo/2"));
        AssertStatus(CompletionStatus.ModuleFailed, await CompleteAsync(@"fail\x00/x"));

        var completion = await CompleteAsync("sys/ledger");

        AssertStatus(CompletionStatus.Completed, completion);
        var entries = JsonArray(completion);
        Assert.All(entries, e => Assert.Equal(
            ["provider", "prefix", "prefix_hex", "kept", "broken", "latency_ms", "score", "last_reason"],
            e.EnumerateObject().Select(p => p.Name)));
        var node = SelfAddress.ToString();
        var echo = Assert.Single(entries, e => e.GetProperty("prefix").GetString() == "echo/");
        Assert.Equal($"echo@{node}", echo.GetProperty("provider").GetString());
        Assert.Equal("6563686f2f", echo.GetProperty("prefix_hex").GetString());
        Assert.Equal(2, echo.GetProperty("kept").GetInt64());
        Assert.Equal(0, echo.GetProperty("broken").GetInt64());
        Assert.True(echo.GetProperty("latency_ms").GetDouble() >= 0);
        Assert.Equal(1.0, echo.GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, echo.GetProperty("last_reason").ValueKind);
        var failing = Assert.Single(entries, e => e.GetProperty("prefix").GetString() == @"fail\x00/");
        Assert.Equal($"failing@{node}", failing.GetProperty("provider").GetString());
        Assert.Equal("6661696c002f", failing.GetProperty("prefix_hex").GetString());
        Assert.Equal(0, failing.GetProperty("kept").GetInt64());
        Assert.Equal(1, failing.GetProperty("broken").GetInt64());
        Assert.Equal(JsonValueKind.Null, failing.GetProperty("latency_ms").ValueKind);
        Assert.Equal(0.9, failing.GetProperty("score").GetDouble());
        Assert.Equal("InvalidOperationException: out of order", failing.GetProperty("last_reason").GetString());
    }

    [Fact]
    public async Task Sys_ledger_lists_every_known_route_with_zero_counts_until_it_is_relied_on()
    {
        await StartBothAsync();

        // This very request is recorded only after it has answered.
        var entries = JsonArray(await CompleteAsync("sys/ledger"));

        Assert.Equal(["echo/", "sys/cache", "sys/ledger", "sys/members", "sys/routes"], entries.Select(e => e.GetProperty("prefix").GetString()));
        Assert.All(entries, e =>
        {
            Assert.Equal((0, 0), (e.GetProperty("kept").GetInt64(), e.GetProperty("broken").GetInt64()));
            Assert.Equal(JsonValueKind.Null, e.GetProperty("latency_ms").ValueKind);
            Assert.Equal(1.0, e.GetProperty("score").GetDouble());
        });
    }

    [Fact]
    public async Task Sys_cache_shows_the_completion_caches_figures_as_json()
    {
        await StartBothAsync();
        await StartModuleAsync(HashModule.Props(), "hash/sha256/");
        await CompleteAsync("hash/sha256/abc");
        await CompleteAsync("hash/sha256/abc");

        var cache = JsonDocument.Parse((await CompleteAsync("sys/cache")).Bytes.Memory).RootElement;

        Assert.True(cache.GetProperty("enabled").GetBoolean());
        Assert.Equal(1, cache.GetProperty("entries").GetInt32());
        Assert.Equal(1, cache.GetProperty("hits").GetInt64());
        Assert.Equal(1, cache.GetProperty("misses").GetInt64());
        Assert.Equal(0, cache.GetProperty("evictions").GetInt64());
        Assert.Equal("hash/sha256/abc".Length + 64, cache.GetProperty("bytes").GetInt64());
        Assert.Equal(64L * 1024 * 1024, cache.GetProperty("max_bytes").GetInt64());
    }

    [Theory]
    [InlineData("sys/unknown")]
    [InlineData("sys/")]
    [InlineData("sys/route")]
    [InlineData("sys")]
    public async Task Unknown_sys_queries_have_no_route(string notation)
    {
        await StartBothAsync();

        var completion = await CompleteAsync(notation);

        AssertStatus(CompletionStatus.NoRoute, completion);
        Assert.Contains(notation, completion.Reason);
    }

    /// <summary>Fails every request, so the requester's ledger records a broken promise.</summary>
    private sealed class FailingModule() : ModuleActor("failing", @"fail\x00/")
    {
        protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
            throw new InvalidOperationException("out of order");
    }
}
