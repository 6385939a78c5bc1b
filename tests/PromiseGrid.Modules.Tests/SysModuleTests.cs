namespace PromiseGrid.Modules.Tests;

public sealed class SysModuleTests(ITestOutputHelper output) : ModuleTestKit(LocalConfig, output)
{
    private async Task StartBothAsync()
    {
        await StartModuleAsync(EchoModule.Props(), "echo/");
        await StartModuleAsync(SysModule.Props(), "sys/routes", "sys/members");
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
                ("echo/", "6563686f2f", "echo", node, true),
                ("sys/members", "7379732f6d656d62657273", "sys", node, false),
                ("sys/routes", "7379732f726f75746573", "sys", node, false),
            ],
            listed);
    }

    [Fact]
    public async Task Sys_routes_follows_route_changes()
    {
        var echo = await StartModuleAsync(EchoModule.Props(), "echo/");
        await StartModuleAsync(SysModule.Props(), "sys/routes", "sys/members");

        Sys.Stop(echo);
        await AwaitAssertAsync(() => Assert.Equal(2, Grid.Routes.Snapshot.ValueCount), Patience);

        var prefixes = JsonArray(await CompleteAsync("sys/routes")).Select(r => r.GetProperty("prefix").GetString());
        Assert.Equal(["sys/members", "sys/routes"], prefixes);
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
}
