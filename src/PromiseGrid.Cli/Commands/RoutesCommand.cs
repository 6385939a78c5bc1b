using System.CommandLine;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Output;

namespace PromiseGrid.Cli.Commands;

/// <summary><c>pgrid routes</c>: the node's view of the grid's routing table.</summary>
public static class RoutesCommand
{
    /// <summary>How the table shows the empty prefix, which would otherwise be a blank cell.</summary>
    public const string FallbackPrefix = "\"\" (fallback)";

    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var json = new Option<bool>("--json")
        {
            Description = "Print the node's JSON unchanged (fields: prefix, prefixHex, module, node, pure, reachable, fallback)",
        };
        var command = new Command("routes",
            "List the routes the node knows, cluster-wide: each registered prefix (in text notation), "
            + "the module serving it, the node it runs on, whether it is pure (same sequence, same completion), "
            + "and whether it is reachable (routes of an unreachable node are listed but not used). "
            + "The empty prefix, shown as \"\" (fallback), serves every sequence no other route does.")
        {
            json,
        };

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var node = global.GetNode(parseResult);
            using var client = new GatewayClient(node);
            var body = await client.GetRoutesJsonAsync(ct).ConfigureAwait(false);

            if (parseResult.GetValue(json))
            {
                // Raw bytes, so `pgrid routes --json | jq` sees exactly what the node said; a final
                // newline is added only when missing, to keep the shell prompt on its own line.
                await console.StdOut.WriteAsync(body, ct).ConfigureAwait(false);
                if (body.Length == 0 || body[^1] != (byte)'\n') console.StdOut.WriteByte((byte)'\n');
                await console.StdOut.FlushAsync(ct).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var routes = RouteInfo.ParseList(body);
            if (routes.Count == 0)
            {
                console.Out.WriteLine("no routes registered");
                return ExitCodes.Ok;
            }
            // Sorted so the output is stable between runs whatever order replication produced.
            var rows = routes
                .OrderBy(r => r.Prefix, StringComparer.Ordinal)
                .ThenBy(r => r.Node, StringComparer.Ordinal)
                .ThenBy(r => r.Module, StringComparer.Ordinal)
                .Select(r => (IReadOnlyList<string>)[r.IsFallback ? FallbackPrefix : r.Prefix, r.Module, r.Node, r.Pure ? "yes" : "no", r.IsReachable ? "yes" : "no"]);
            TextTable.Write(console.Out, ["PREFIX", "MODULE", "NODE", "PURE", "REACHABLE"], rows);
            return ExitCodes.Ok;
        }, cancellationToken));

        return command;
    }
}
