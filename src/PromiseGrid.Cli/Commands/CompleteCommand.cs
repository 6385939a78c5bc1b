using System.Buffers.Text;
using System.CommandLine;
using System.Globalization;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Input;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// <c>pgrid complete</c>: send one sequence to the node and write the completion bytes, raw, to stdout.
/// </summary>
public static class CompleteCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var sequence = new Argument<string?>("sequence")
        {
            Description = "The sequence in text notation: printable ASCII as itself, \\\\ for a backslash, "
                          + "\\xHH for any other byte (e.g. 'echo/hi\\x00'). Put -- before a sequence that starts with '-'.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var hex = new Option<string?>("--hex")
        {
            Description = "The sequence as hex digits instead (whitespace ignored), e.g. 6563686f2f00ff",
            HelpName = "hex",
        };
        var file = new Option<string?>("--file", "-f")
        {
            Description = "Read the sequence's raw bytes from this file",
            HelpName = "path",
        };
        var stdin = new Option<bool>("--stdin")
        {
            Description = "Read the sequence's raw bytes from standard input",
        };
        var deadline = new Option<int?>("--deadline", "-d")
        {
            Description = $"How long the grid may take, in milliseconds (sent as {GatewayClient.DeadlineHeader}; "
                          + $"node default {GatewayClient.DefaultDeadline.TotalMilliseconds:0} ms)",
            HelpName = "ms",
            // A custom parser so a bad value gets a plain message instead of a .NET type name.
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0)
                    return ms;
                result.AddError($"--deadline must be a positive number of milliseconds, got '{token}'");
                return null;
            },
        };
        var stream = new Option<bool>("--stream", "-s")
        {
            Description = $"Write the completion as the module produces it (sent as {GatewayClient.StreamHeader}: 1), e.g. a gpt/ continuation. "
                          + "A request that fails half-way leaves what arrived on standard output and exits with an error",
        };
        var showProvider = new Option<bool>("--show-provider", "-p")
        {
            Description = "Also print provider=<name> (from Grid-Provider) on standard error",
        };
        var token = new Option<string?>("--token", "-t")
        {
            Description = "A capability token to present (sent as Authorization: Grid ...): its text, @FILE, or - for standard input. "
                          + "Needed when the node serving the prefix trusts issuers (PG_TRUST)",
            HelpName = "token",
        };
        var key = new Option<string?>("--key", "-k")
        {
            Description = "For a holder-bound token: the holder's private key (PEM file), to sign a fresh proof over this sequence",
            HelpName = "path",
        };

        var command = new Command("complete",
            "Complete a sequence: the node routes it to the module serving its longest registered prefix, "
            + "and the completion bytes are written unchanged to standard output (no newline added). "
            + "Give exactly one of <sequence>, --hex, --file, --stdin.")
        {
            sequence, hex, file, stdin, deadline, stream, showProvider, token, key,
        };

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var input = new SequenceInput(
                parseResult.GetValue(sequence),
                parseResult.GetValue(hex),
                parseResult.GetValue(file),
                parseResult.GetValue(stdin));
            var deadlineMs = parseResult.GetValue(deadline);
            // Validate everything local (node URL, input) before opening a connection.
            var node = global.GetNode(parseResult);
            var tokenArgument = parseResult.GetValue(token);
            var keyArgument = parseResult.GetValue(key);
            if (keyArgument is not null && tokenArgument is null)
                throw new UsageException("--key signs a proof for a token: give --token too");
            if (tokenArgument == "-" && parseResult.GetValue(stdin))
                throw new UsageException("--token - and --stdin both read standard input: put the token in a file (--token @FILE)");
            var bytes = await input.ReadAsync(console.In, ct).ConfigureAwait(false);
            var authorization = tokenArgument is null ? null
                : await Authorization(tokenArgument, keyArgument, bytes, console, ct).ConfigureAwait(false);

            using var client = new GatewayClient(node, deadlineMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
            if (parseResult.GetValue(stream))
            {
                var (provider, _) = await client.CompleteStreamingAsync(bytes, deadlineMs, console.StdOut, ct, authorization).ConfigureAwait(false);
                if (parseResult.GetValue(showProvider))
                    await console.Error.WriteLineAsync($"provider={provider ?? "(streamed: not named)"}").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var completion = await client.CompleteAsync(bytes, deadlineMs, ct, authorization).ConfigureAwait(false);
            await WriteAsync(console, completion, parseResult.GetValue(showProvider), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));

        return command;
    }

    /// <summary>The completion bytes, raw, to stdout; with <paramref name="showProvider"/>, <c>provider=...</c> on stderr first.</summary>
    internal static async Task WriteAsync(CliConsole console, CompletionResult completion, bool showProvider, CancellationToken ct)
    {
        if (showProvider)
            await console.Error.WriteLineAsync($"provider={completion.Provider}").ConfigureAwait(false);
        await console.StdOut.WriteAsync(completion.Bytes, ct).ConfigureAwait(false);
        await console.StdOut.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>Grid &lt;token&gt;</c>, or <c>Grid &lt;token&gt;.&lt;proof&gt;</c> with a proof signed by
    /// <paramref name="keyArgument"/> over exactly these sequence bytes, now, with a fresh nonce.
    /// </summary>
    private static async Task<string> Authorization(string tokenArgument, string? keyArgument, Sequence sequence, CliConsole console, CancellationToken ct)
    {
        // Sent as given: the node that hosts the module checks it and says what is wrong with it.
        var text = await TokenCommand.ReadTokenTextAsync(tokenArgument, console, ct).ConfigureAwait(false);
        if (text.Length == 0 || text.Any(char.IsWhiteSpace))
            throw new UsageException("--token: a token is one word of base64url text");
        return AuthorizationHeader(text, keyArgument, sequence);
    }

    /// <summary><c>Grid &lt;token&gt;</c>, plus <c>.&lt;proof&gt;</c> over <paramref name="sequence"/> signed now with the key at <paramref name="keyPath"/>, if given.</summary>
    internal static string AuthorizationHeader(string token, string? keyPath, Sequence sequence)
    {
        if (keyPath is null) return $"Grid {token}";
        using var holder = TokenCommand.LoadKey(keyPath, "--key", requirePrivate: true);
        var proof = HolderProof.Create(holder, sequence.Span, DateTimeOffset.UtcNow);
        return $"Grid {token}.{Base64Url.EncodeToString(proof)}";
    }
}
