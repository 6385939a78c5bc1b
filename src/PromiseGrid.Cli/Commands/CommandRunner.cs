using PromiseGrid.Cli.Output;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// Runs a command body and turns whatever it throws into the CLI's error contract: one stderr line
/// <c>pgrid: reason</c> and an exit code (2 usage, 1 grid, 130 interrupted).
/// </summary>
public static class CommandRunner
{
    public static async Task<int> RunAsync(CliConsole console, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            return Fail(console, e.Message, e.ExitCode);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(console, "interrupted", ExitCodes.Cancelled);
        }
        catch (IOException e)
        {
            // Typically stdout closed early (`pgrid complete ... | head -c1`); still one line, not a trace.
            return Fail(console, $"output failed: {e.Message}", ExitCodes.GridError);
        }
        catch (Exception e)
        {
            // A bug in pgrid itself: keep the one-line contract, but name the exception type so the
            // report is actionable.
            return Fail(console, $"internal error: {e.GetType().Name}: {e.Message}", ExitCodes.GridError);
        }
    }

    public static int Fail(CliConsole console, string reason, int exitCode)
    {
        console.Error.WriteLine($"pgrid: {OneLine.Of(reason)}");
        console.Error.Flush();
        return exitCode;
    }
}
