namespace PromiseGrid.Modules.Tests;

public sealed class BuiltInModulesTests(ITestOutputHelper output) : ModuleTestKit(Config, output)
{
    // The store writes under its folder: a temp one, not ./data of the test run.
    private static readonly string StoreFolder = Path.Combine(Path.GetTempPath(), "pg-builtin-store-" + Guid.NewGuid().ToString("N"));
    private static readonly string Config = LocalConfig + $"\npromisegrid.store.folder = \"{StoreFolder}\"" +
        $"\npromisegrid.gpt.model = \"{Path.Combine(StoreFolder, "no-model.safetensors")}\"";

    [Theory]
    [InlineData("echo", typeof(EchoModule))]
    [InlineData("ECHO", typeof(EchoModule))]
    [InlineData("sys", typeof(SysModule))]
    [InlineData("Sys", typeof(SysModule))]
    [InlineData("hash", typeof(HashModule))]
    [InlineData("Store", typeof(PromiseGrid.Modules.Store.StoreModule))]
    [InlineData("gpt", typeof(PromiseGrid.Modules.Gpt.GptModule))]
    [InlineData("Wasm", typeof(PromiseGrid.Modules.Wasm.WasmModule))]
    public void Built_in_modules_are_found_by_name_ignoring_case(string name, Type expected)
    {
        Assert.True(BuiltInModules.All.TryGetValue(name, out var props));
        Assert.Equal(expected, props!().Type);
    }

    [Fact]
    public void Echo_sys_hash_store_gpt_and_wasm_are_built_in()
    {
        Assert.Equal(["echo", "gpt", "hash", "store", "sys", "wasm"], BuiltInModules.All.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_built_in_module_starts_and_registers()
    {
        foreach (var props in BuiltInModules.All.Values)
            Sys.ActorOf(props());

        // 6 without the store, which adds put, get, has and the four replica prefixes (get, put, has, buckets); gpt/ and wasm/.
        await AwaitAssertAsync(() => Assert.Equal(15, Runtime.Routes.Snapshot.ValueCount), Patience);
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("echo/x"));
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("hash/sha256/x"));
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("sys/routes"));
        AssertStatus(CompletionStatus.Completed, await CompleteAsync("store/put/x"));
        Assert.True(Directory.Exists(Path.Combine(StoreFolder, "blobs")));
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        if (Directory.Exists(StoreFolder)) Directory.Delete(StoreFolder, recursive: true);
    }
}
