namespace PromiseGrid.Cli;

/// <summary>
/// An error <c>pgrid</c> reports as its one stderr line. Carrying the exit code on the exception
/// keeps the decision "usage or grid error" where the error is detected, not in one big catch.
/// </summary>
public class CliException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The command line was wrong; nothing was sent to the node.</summary>
public sealed class UsageException(string message, Exception? inner = null)
    : CliException(message, ExitCodes.Usage, inner);
