using Akka.Actor;

namespace PromiseGrid.Modules;

/// <summary>The modules every node can run by name (<c>PG_MODULES=echo,sys,hash</c>).</summary>
public static class BuiltInModules
{
    public static IReadOnlyDictionary<string, Func<Props>> All { get; } = new Dictionary<string, Func<Props>>(StringComparer.OrdinalIgnoreCase)
    {
        ["echo"] = EchoModule.Props,
        ["sys"] = SysModule.Props,
        ["hash"] = HashModule.Props,
        ["store"] = Store.StoreModule.Props,
        ["wasm"] = Wasm.WasmModule.Props,
        ["gpt"] = Gpt.GptModule.Props,
    };
}
