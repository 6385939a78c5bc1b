using System.CommandLine;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Cli.Store;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Wasm;

/// <summary>
/// <c>pgrid wasm put FILE.wasm|FILE.wat</c>: converts WAT text to the binary format, checks the module
/// against the guest ABI (<see cref="GuestModule"/>), stores the bytes through <c>store/put/</c> and
/// prints their CID, the name <c>wasm/&lt;cid&gt;/...</c> runs the module by.
/// </summary>
public static class WasmPutCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var file = new Argument<string>("file")
        {
            Description = "The module: a WebAssembly binary (.wasm) or WAT text (.wat), converted to binary before it is stored",
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Check the module and print the CID it will have, without sending anything",
        };
        var options = new WasmOptions();
        var command = new Command("put",
            "Store a WebAssembly module and print its CID (CIDv1, raw, sha2-256, base32): afterwards wasm/<cid>/<input> "
            + "completes with its output. WAT text is converted to binary first; the CID is that of the binary. The module "
            + "must export memory, grid_alloc(i32) -> i32 and grid_complete(i32, i32) -> i64, and may import only "
            + "grid.complete(i32, i32) -> i64; a module that does not is refused with the reason (exit 2) before anything is sent.")
        {
            file, dryRun,
        };
        options.AddTo(command);

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var node = global.GetNode(parseResult);
            var module = GuestModule.Load(parseResult.GetValue(file)!);
            if (parseResult.GetValue(dryRun))
            {
                await console.Out.WriteLineAsync(Cid.Of(module.Bytes).ToString().AsMemory(), ct).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var token = await options.ReadTokenAsync(parseResult, console, ct).ConfigureAwait(false);
            var keyPath = parseResult.GetValue(options.Key);
            var holder = keyPath is null ? null : TokenCommand.LoadKey(keyPath, "--key", requirePrivate: true);
            // The store client checks that the node answers the CID of exactly these bytes.
            using var store = new StoreClient(node, parseResult.GetValue(options.Deadline), token, holder);
            var cid = await store.PutAsync(module.Bytes, ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync(cid.ToString().AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
