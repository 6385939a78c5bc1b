using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Modules.Wasm;

namespace PromiseGrid.Modules.Tests.Wasm;

/// <summary>The runtime's hand-bound Wasmtime handles (WasmtimeNative): what disposing releases, and that nothing runs on released ones.</summary>
public sealed class WasmRuntimeTests
{
    private static GuestCall CallOf(GuestModule module, WasmWorkers workers) =>
        // No grid: the guests here import nothing, so nothing calls it.
        new(module, null!, workers, DateTimeOffset.UtcNow.AddSeconds(30), deadlineIsRequests: false);

    [Fact]
    public void A_disposed_runtime_refuses_to_run_instead_of_using_its_released_engine()
    {
        using var workers = new WasmWorkers(1, 1, 1);
        var runtime = new WasmRuntime(WasmSettings.Default, 1 << 20);
        var bytes = WatGuests.Bytes(WatGuests.Upper);
        var module = runtime.Compile(Cid.Of(bytes), bytes);
        Assert.Equal("ABC", runtime.Run(module, Sequence.FromText("abc"), CallOf(module, workers)).ToString());

        runtime.Dispose();

        var refused = Assert.Throws<CompletionRefusedException>(() => runtime.Run(module, Sequence.FromText("abc"), CallOf(module, workers)));
        Assert.Equal(CompletionStatus.ModuleFailed, refused.Status);
        Assert.Contains("the module stopped", refused.Message, StringComparison.Ordinal);
        Assert.Throws<CompletionRefusedException>(() => runtime.TryRunInline(module, Sequence.FromText("abc"), CallOf(module, workers)));
    }

    [Fact]
    public void A_compiled_guest_runs_inline_and_releases_its_instance_pre_on_dispose()
    {
        using var workers = new WasmWorkers(1, 1, 1);
        using var runtime = new WasmRuntime(WasmSettings.Default, 1 << 20);
        var bytes = WatGuests.Bytes(WatGuests.Upper);
        var module = runtime.Compile(Cid.Of(bytes), bytes);

        Assert.False(module.Pre.IsInvalid);
        Assert.Equal("XY", runtime.TryRunInline(module, Sequence.FromText("xy"), CallOf(module, workers))?.ToString());
        module.Pre.Dispose();

        Assert.True(module.Pre.IsClosed);
    }
}
