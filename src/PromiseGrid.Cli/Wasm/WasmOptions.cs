using System.CommandLine;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Cli.Gateway;

namespace PromiseGrid.Cli.Wasm;

/// <summary>
/// The options <c>pgrid wasm put</c> and <c>pgrid wasm call</c> share with <c>pgrid complete</c>:
/// deadline, capability token and holder key. One instance per command: System.CommandLine options
/// belong to a single command.
/// </summary>
internal sealed class WasmOptions
{
    public Option<int?> Deadline { get; } = new("--deadline", "-d")
    {
        Description = $"How long the grid may take, in milliseconds (node default {GatewayClient.DefaultDeadline.TotalMilliseconds:0} ms)",
        HelpName = "ms",
        CustomParser = result => TransferOptions.PositiveInt(result, "--deadline", 0),
    };

    public Option<string?> Token { get; } = new("--token", "-t")
    {
        Description = "A capability token to present: its text, @FILE, or - for standard input",
        HelpName = "token",
    };

    public Option<string?> Key { get; } = new("--key", "-k")
    {
        Description = "For a holder-bound token: the holder's private key (PEM file), to sign a fresh proof over the sequence",
        HelpName = "path",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Deadline);
        command.Options.Add(Token);
        command.Options.Add(Key);
    }

    /// <summary>The token's text (read from a file or standard input when so given), or null; a key without a token is a usage error.</summary>
    public async Task<string?> ReadTokenAsync(ParseResult parseResult, CliConsole console, CancellationToken ct)
    {
        var tokenArgument = parseResult.GetValue(Token);
        if (parseResult.GetValue(Key) is not null && tokenArgument is null)
            throw new UsageException("--key signs a proof for a token: give --token too");
        if (tokenArgument is null) return null;
        var token = await TokenCommand.ReadTokenTextAsync(tokenArgument, console, ct).ConfigureAwait(false);
        if (token.Length == 0 || token.Any(char.IsWhiteSpace))
            throw new UsageException("--token: a token is one word of base64url text");
        return token;
    }
}
