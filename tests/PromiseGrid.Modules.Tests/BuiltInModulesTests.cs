namespace PromiseGrid.Modules.Tests;

public sealed class BuiltInModulesTests(ITestOutputHelper output) : ModuleTestKit(LocalConfig, output)
{
    [Theory]
    [InlineData("echo", typeof(EchoModule))]
    [InlineData("ECHO", typeof(EchoModule))]
    [InlineData("sys", typeof(SysModule))]
    [InlineData("Sys", typeof(SysModule))]
    [InlineData("hash", typeof(HashModule))]
    public void Built_in_modules_are_found_by_name_ignoring_case(string name, Type expected)
    {
        Assert.True(BuiltInModules.All.TryGetValue(name, out var props));
        Assert.Equal(expected, props!().Type);
    }

    [Fact]
    public void Echo_sys_and_hash_are_built_in()
    {
        Assert.Equal(["echo", "hash", "sys"], BuiltInModules.All.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_built_in_module_starts_and_registers()
    {
        foreach (var props in BuiltInModules.All.Values)
            Sys.ActorOf(props());

        await AwaitAssertAsync(() => Assert.Equal(6, Grid.Routes.Snapshot.ValueCount), Patience);
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("echo/x"));
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("hash/sha256/x"));
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("sys/routes"));
    }
}
