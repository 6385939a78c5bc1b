using System.CommandLine;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Input;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Wasm;

/// <summary>
/// <c>pgrid wasm call CID INPUT</c>: the same as <c>pgrid complete wasm/CID/INPUT</c>, with the CID
/// checked before anything is sent and the input given in notation, as hex, from a file or from
/// standard input. The output bytes go raw to standard output.
/// </summary>
public static class WasmCallCommand
{
    /// <summary>The prefix the wasm module serves: <c>wasm/&lt;cid&gt;/&lt;input&gt;</c>.</summary>
    public static readonly Sequence Prefix = Sequence.FromText("wasm/");

    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var cidArgument = new Argument<string>("cid")
        {
            Description = "The module's CID, as pgrid wasm put printed it",
        };
        var input = new Argument<string?>("input")
        {
            Description = "The module's input in text notation (as pgrid complete takes a sequence); none with --hex, --file or --stdin",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var hex = new Option<string?>("--hex") { Description = "The input as hex digits instead", HelpName = "hex" };
        var file = new Option<string?>("--file", "-f") { Description = "Read the input's raw bytes from this file", HelpName = "path" };
        var stdin = new Option<bool>("--stdin") { Description = "Read the input's raw bytes from standard input" };
        var showProvider = new Option<bool>("--show-provider", "-p")
        {
            Description = "Also print provider=<name> (from Grid-Provider) on standard error",
        };
        var options = new WasmOptions();
        var command = new Command("call",
            "Run a stored module: completes wasm/<cid>/<input> and writes the output bytes unchanged to standard output. "
            + "Give the input as <input>, --hex, --file or --stdin (an empty input: '').")
        {
            cidArgument, input, hex, file, stdin, showProvider,
        };
        options.AddTo(command);

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var node = global.GetNode(parseResult);
            Cid cid;
            try
            {
                cid = Cid.Parse(parseResult.GetValue(cidArgument)!.Trim());
            }
            catch (CidFormatException e)
            {
                throw new UsageException(e.Message, e);
            }
            if (parseResult.GetValue(options.Token) == "-" && parseResult.GetValue(stdin))
                throw new UsageException("--token - and --stdin both read standard input: put the token in a file (--token @FILE)");
            var bytes = await new SequenceInput(parseResult.GetValue(input), parseResult.GetValue(hex), parseResult.GetValue(file), parseResult.GetValue(stdin))
                .ReadAsync(console.In, ct).ConfigureAwait(false);
            var sequence = Prefix.Concat(Sequence.FromText(cid.ToString() + "/")).Concat(bytes);

            var token = await options.ReadTokenAsync(parseResult, console, ct).ConfigureAwait(false);
            var authorization = token is null ? null : CompleteCommand.AuthorizationHeader(token, parseResult.GetValue(options.Key), sequence);
            var deadlineMs = parseResult.GetValue(options.Deadline);
            using var client = new GatewayClient(node, deadlineMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
            var completion = await client.CompleteAsync(sequence, deadlineMs, ct, authorization).ConfigureAwait(false);
            await CompleteCommand.WriteAsync(console, completion, parseResult.GetValue(showProvider), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
