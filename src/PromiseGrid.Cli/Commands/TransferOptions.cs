using System.CommandLine;
using System.Globalization;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Store;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// The options <c>pgrid put</c> and <c>pgrid get</c> share: capability, deadline, parallelism and
/// progress. One instance per command: System.CommandLine options belong to a single command.
/// </summary>
internal sealed class TransferOptions
{
    private const int DefaultParallel = 4;

    private readonly Option<int> _parallel = new("--parallel")
    {
        Description = "Chunks in flight at once",
        HelpName = "n",
        DefaultValueFactory = _ => DefaultParallel,
        CustomParser = result => PositiveInt(result, "--parallel", DefaultParallel),
    };

    private readonly Option<bool> _progress = new("--progress")
    {
        Description = "Show progress (bytes done, total, MB/s) on standard error even when it is not a terminal, or for a one-blob file",
    };

    private readonly Option<bool> _quiet = new("--quiet", "-q")
    {
        Description = "Never show progress",
    };

    private readonly Option<int?> _deadline = new("--deadline", "-d")
    {
        Description = $"How long the grid may take for each blob, in milliseconds (node default {GatewayClient.DefaultDeadline.TotalMilliseconds:0} ms)",
        HelpName = "ms",
        CustomParser = result => PositiveInt(result, "--deadline", 0),
    };

    private readonly Option<string?> _token = new("--token", "-t")
    {
        Description = "A capability token to present with every request: its text, @FILE, or - for standard input",
        HelpName = "token",
    };

    private readonly Option<string?> _key = new("--key", "-k")
    {
        Description = "For a holder-bound token: the holder's private key (PEM file), to sign a fresh proof for each request",
        HelpName = "path",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_parallel);
        command.Options.Add(_progress);
        command.Options.Add(_quiet);
        command.Options.Add(_deadline);
        command.Options.Add(_token);
        command.Options.Add(_key);
    }

    /// <summary>The values given; reads the token (which may come from a file or standard input) and loads the key.</summary>
    public async Task<TransferSettings> ReadAsync(ParseResult parseResult, CliConsole console, CancellationToken ct)
    {
        var tokenArgument = parseResult.GetValue(_token);
        var keyArgument = parseResult.GetValue(_key);
        if (keyArgument is not null && tokenArgument is null)
            throw new UsageException("--key signs a proof for a token: give --token too");
        string? token = null;
        if (tokenArgument is not null)
        {
            token = await TokenCommand.ReadTokenTextAsync(tokenArgument, console, ct).ConfigureAwait(false);
            if (token.Length == 0 || token.Any(char.IsWhiteSpace))
                throw new UsageException("--token: a token is one word of base64url text");
        }
        return new TransferSettings(parseResult.GetValue(_parallel), parseResult.GetValue(_progress), parseResult.GetValue(_quiet),
            parseResult.GetValue(_deadline), token, keyArgument);
    }

    /// <summary>Whether the token is to be read from standard input (<c>--token -</c>), which then holds nothing else.</summary>
    public bool TokenFromStdin(ParseResult parseResult) => parseResult.GetValue(_token) == "-";

    /// <summary>A positive int option, with the CLI's own message for anything else.</summary>
    internal static int PositiveInt(System.CommandLine.Parsing.ArgumentResult result, string name, int fallback)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
            return value;
        result.AddError($"{name} must be a positive whole number, got '{token}'");
        return fallback;
    }
}

/// <summary>What <see cref="TransferOptions"/> read for one invocation.</summary>
internal sealed record TransferSettings(int Parallel, bool Progress, bool Quiet, int? DeadlineMs, string? Token, string? KeyPath)
{
    /// <summary>A client for the node; the holder key, if any, is loaded now (a bad key file is a usage error).</summary>
    public StoreClient Connect(GatewayTarget node)
    {
        var holder = KeyPath is null ? null : TokenCommand.LoadKey(KeyPath, "--key", requirePrivate: true);
        return new StoreClient(node, DeadlineMs, Token, holder);
    }
}
