using System.CommandLine;
using System.Text;
using System.Text.Json;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Output;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// <c>pgrid status</c>: is the node ready (Up in the cluster, modules registered)? The exit code is
/// the answer (0 ready, 1 not), so it works as a readiness probe in scripts and compose.
/// </summary>
public static class StatusCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("status",
            "Show the node's health (GET /health) as key: value lines. "
            + "Exit code 0 when the node is ready, 1 when it is not ready or cannot be reached.");

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var node = global.GetNode(parseResult);
            using var client = new GatewayClient(node);
            var health = await client.GetHealthAsync(ct).ConfigureAwait(false);

            string? reason = null;
            if (TryParseJson(health.Body, out var document))
            {
                using (document)
                {
                    JsonFields.Write(console.Out, JsonFields.Flatten(document.RootElement));
                    reason = JsonFields.FirstString(document.RootElement, "reason", "detail", "title", "status");
                }
            }
            else
            {
                var text = OneLine.Of(Encoding.UTF8.GetString(health.Body), 500);
                if (text.Length > 0) console.Out.WriteLine(text);
                reason = text.Length > 0 ? text : null;
            }

            if (health.IsReady) return ExitCodes.Ok;
            reason ??= health.ReasonPhrase ?? "no reason given";
            throw new GatewayException(
                $"node {client.NodeDisplay} is not ready: {reason} ({health.HttpStatus})", health.HttpStatus, detail: reason);
        }, cancellationToken));

        return command;
    }

    private static bool TryParseJson(byte[] body, out JsonDocument document)
    {
        try
        {
            document = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            document = null!;
            return false;
        }
    }
}
