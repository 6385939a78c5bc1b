using System.CommandLine;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Cli.Gateway;

namespace PromiseGrid.Cli;

/// <summary>
/// The whole command line as a function of (args, streams, PG_NODE), so tests and other tools run
/// exactly what the <c>pgrid</c> executable runs, in process.
/// </summary>
public static class CliApp
{
    /// <summary>Builds the command tree. Exposed for tests that inspect help text.</summary>
    public static RootCommand CreateRootCommand(CliConsole console, string? nodeFromEnvironment)
    {
        var global = new GlobalOptions(nodeFromEnvironment);
        var root = new RootCommand(
            "pgrid — the PromiseGrid command-line client. It talks to one node's HTTP gateway, "
            + "chosen with --node or " + NodeAddress.EnvironmentVariable + ".\n"
            + "Exit codes: 0 success, 1 grid error or node unreachable, 2 usage error.")
        {
            global.Node,
            global.CaCert,
            global.Cert,
            CompleteCommand.Create(global, console),
            RoutesCommand.Create(global, console),
            StatusCommand.Create(global, console),
            PutCommand.Create(global, console),
            GetCommand.Create(global, console),
            BenchCommand.Create(console),
            KeyCommand.Create(console),
            TokenCommand.Create(global, console),
            Gpt.GptCommand.Create(console),
            Wasm.WasmCommand.Create(global, console),
        };
        return root;
    }

    /// <summary>
    /// Runs one command line. Errors are one stderr line <c>pgrid: reason</c>; the result is the exit
    /// code (<see cref="ExitCodes"/>).
    /// </summary>
    public static async Task<int> RunAsync(
        string[] args, CliConsole console, string? nodeFromEnvironment, CancellationToken cancellationToken = default)
    {
        var root = CreateRootCommand(console, nodeFromEnvironment);
        // Response files are off: '@FILE' is how token arguments name a file (pgrid token inspect @t),
        // and a sequence may start with '@'; neither may be expanded behind the command's back.
        var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

        // System.CommandLine would print every error plus the full help; the contract is one line and
        // exit 2, so parse errors are reported here. Help and --version clear parse errors themselves.
        if (parseResult.Errors.Count > 0 && parseResult.Action is not { ClearsParseErrors: true })
        {
            return CommandRunner.Fail(console, $"{DescribeParseErrors(parseResult)} (see '{CommandPath(parseResult)} --help')", ExitCodes.Usage);
        }

        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // The real process turns Ctrl+C into cancellation; in-process callers must not have their
            // signals hooked.
            ProcessTerminationTimeout = console.HandlesTermination ? TimeSpan.FromSeconds(2) : null,
        };
        var exitCode = await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        return exitCode;
    }

    private static string DescribeParseErrors(ParseResult parseResult)
    {
        // With no command chosen, the parser reports "Required command was not provided" next to the
        // real problem; say the real problem once, in the CLI's own words.
        if (parseResult.CommandResult.Command is RootCommand)
        {
            if (parseResult.UnmatchedTokens.Count > 0)
            {
                var token = parseResult.UnmatchedTokens[0];
                return token.StartsWith('-') ? $"unknown option '{token}'" : $"unknown command '{token}'";
            }
            var others = parseResult.Errors.Where(e => e.SymbolResult != parseResult.CommandResult).ToList();
            var commands = string.Join(", ", parseResult.RootCommandResult.Command.Subcommands.Select(c => c.Name));
            return others.Count == 0 ? $"no command given: use one of {commands}" : Join(others);
        }
        return Join(parseResult.Errors);

        static string Join(IEnumerable<System.CommandLine.Parsing.ParseError> errors) =>
            string.Join("; ", errors.Select(e => e.Message.TrimEnd('.')).Distinct());
    }

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(result.Command is RootCommand ? "pgrid" : result.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
