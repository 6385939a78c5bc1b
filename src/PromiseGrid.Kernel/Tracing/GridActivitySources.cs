using System.Diagnostics;

namespace PromiseGrid.Kernel.Tracing;

/// <summary>
/// The names of the grid's <see cref="ActivitySource"/>s (docs/architecture.md#tracing): subscribe to
/// them (OpenTelemetry's <c>AddSource</c>, as the node does when tracing is on) to get the spans of
/// every completion. With no listener they create nothing.
/// </summary>
public static class GridActivitySources
{
    /// <summary>A request sent into the grid (<c>IGrid.CompleteAsync</c>): a client span, also for the nested calls a module makes.</summary>
    public const string Client = "PromiseGrid.Client";

    /// <summary>The router's choice of a provider for a traced request.</summary>
    public const string Router = "PromiseGrid.Router";

    /// <summary>A module serving a request: a server span whose parent is the trace context the request carried.</summary>
    public const string Module = "PromiseGrid.Module";

    /// <summary>The store's replication of a blob to other nodes (PromiseGrid.Modules).</summary>
    public const string Store = "PromiseGrid.Store";

    /// <summary>A wasm guest's call into the grid through a host function (PromiseGrid.Modules).</summary>
    public const string Wasm = "PromiseGrid.Wasm";

    /// <summary>Every name above.</summary>
    public static IReadOnlyList<string> All { get; } = [Client, Router, Module, Store, Wasm];

    internal static readonly ActivitySource ClientSource = new(Client);
    internal static readonly ActivitySource RouterSource = new(Router);
    internal static readonly ActivitySource ModuleSource = new(Module);
    internal static readonly ActivitySource StoreSource = new(Store);
    internal static readonly ActivitySource WasmSource = new(Wasm);
}
