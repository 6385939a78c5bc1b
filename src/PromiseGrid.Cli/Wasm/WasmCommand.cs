using System.CommandLine;
using PromiseGrid.Cli.Commands;

namespace PromiseGrid.Cli.Wasm;

/// <summary>
/// <c>pgrid wasm put|call</c>: WebAssembly modules as content in the store, run by the <c>wasm/</c>
/// module: <c>wasm/&lt;cid&gt;/&lt;input&gt;</c> completes with the output of the module stored as &lt;cid&gt;.
/// </summary>
public static class WasmCommand
{
    public static Command Create(GlobalOptions global, CliConsole console) =>
        new("wasm",
            "WebAssembly modules: store one (put) and run it (call). Once stored, wasm/<cid>/<input> completes with the "
            + "module's output on any node that runs the wasm module.")
        {
            WasmPutCommand.Create(global, console),
            WasmCallCommand.Create(global, console),
        };
}
