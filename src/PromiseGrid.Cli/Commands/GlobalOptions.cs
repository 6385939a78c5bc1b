using System.CommandLine;
using PromiseGrid.Cli.Gateway;

namespace PromiseGrid.Cli.Commands;

/// <summary>Options every command accepts.</summary>
public sealed class GlobalOptions
{
    public GlobalOptions(string? nodeFromEnvironment)
    {
        var fallback = string.IsNullOrWhiteSpace(nodeFromEnvironment) ? NodeAddress.Default : nodeFromEnvironment;
        Node = new Option<string>("--node", "-n")
        {
            Description = $"The node's HTTP gateway URL (environment: {NodeAddress.EnvironmentVariable})",
            HelpName = "url",
            // Recursive so it may stand before or after the command name: `pgrid --node X routes`
            // and `pgrid routes --node X` both work.
            Recursive = true,
            DefaultValueFactory = _ => fallback,
        };
    }

    public Option<string> Node { get; }

    /// <summary>The node URI for this invocation; a malformed URL is a usage error.</summary>
    public Uri GetNode(ParseResult parseResult) => NodeAddress.Parse(parseResult.GetValue(Node)!);
}
