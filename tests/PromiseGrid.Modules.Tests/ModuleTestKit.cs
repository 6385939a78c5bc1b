using System.Text.Json;
using PromiseGrid.TestKit;

namespace PromiseGrid.Modules.Tests;

/// <summary>
/// PromiseGrid.TestKit's <see cref="GridTestKit"/> plus what the built-in modules' tests share:
/// a prefix check on start and JSON answers.
/// </summary>
public abstract class ModuleTestKit(string config, ITestOutputHelper output) : GridTestKit(config, output)
{
    /// <summary>The grid as the node runs it: router, routes, cache, ledger, security.</summary>
    protected IGridRuntime Runtime => PromiseGrid.Kernel.Client.Grid.GetRuntime(Sys);

    protected Address SelfAddress => ((ExtendedActorSystem)Sys).Provider.DefaultAddress;

    /// <summary>Starts a module, waits until it is routed, and checks it serves each of <paramref name="prefixes"/>.</summary>
    protected async Task<IActorRef> StartModuleAsync(Props props, params string[] prefixes)
    {
        var module = await base.StartModuleAsync(props); // base: this overload would call itself
        foreach (var prefix in prefixes)
            Assert.Contains(Runtime.Routes.Snapshot.ValuesOf(Sequence.FromText(prefix).Span), r => r.Provider.Equals(module));
        return module;
    }

    /// <summary>Parses a completion's bytes as a JSON array.</summary>
    protected static JsonElement[] JsonArray(Completion completion)
    {
        var root = JsonDocument.Parse(completion.Bytes.Memory).RootElement;
        Assert.Equal(JsonValueKind.Array, root.ValueKind);
        return root.EnumerateArray().ToArray();
    }
}
