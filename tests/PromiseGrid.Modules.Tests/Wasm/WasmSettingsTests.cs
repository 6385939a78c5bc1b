using PromiseGrid.Core.Content;
using PromiseGrid.Modules.Wasm;

namespace PromiseGrid.Modules.Tests.Wasm;

public sealed class WasmSettingsTests
{
    [Fact]
    public void Defaults_come_from_wasm_conf_and_max_concurrency_zero_means_one_per_processor()
    {
        var settings = WasmSettings.Default;

        Assert.Equal(100_000_000, settings.MaxFuel);
        Assert.Equal(256, settings.MaxMemoryPages);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Timeout);
        Assert.Equal(Environment.ProcessorCount, settings.MaxConcurrency);
        Assert.Equal(1048576, settings.MaxOutputBytes);
        Assert.Empty(settings.PureModules);
    }

    [Fact]
    public void Pure_is_a_comma_separated_list_of_cids()
    {
        var a = Cid.Of("a"u8);
        var b = Cid.Of("b"u8);

        var settings = WasmSettings.Create(ConfigurationFactory.ParseString($"promisegrid.wasm.pure = \" {a}, {b} ,\""));

        Assert.Equal([a, b], settings.PureModules);
    }

    [Fact]
    public void A_pure_entry_that_is_not_a_cid_is_refused_naming_the_variable()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            WasmSettings.Create(ConfigurationFactory.ParseString("promisegrid.wasm.pure = \"bafkreinotacid\"")));

        Assert.Contains("PG_WASM_PURE", error.Message);
        Assert.Contains("bafkreinotacid", error.Message);
    }

    [Theory]
    [InlineData("max-fuel = 0")]
    [InlineData("max-memory-pages = 32769")]
    [InlineData("timeout = 0s")]
    [InlineData("max-concurrency = 8\nmax-instances = 4")]
    public void Out_of_range_settings_are_refused(string setting)
    {
        Assert.Throws<ConfigurationException>(() => WasmSettings.Create(ConfigurationFactory.ParseString("promisegrid.wasm {\n" + setting + "\n}")));
    }
}
