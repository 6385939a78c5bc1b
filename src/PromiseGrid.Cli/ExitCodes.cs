namespace PromiseGrid.Cli;

/// <summary>
/// The process exit codes <c>pgrid</c> promises to scripts. Usage errors (2) are kept apart from
/// grid errors (1) so a script can tell "I called it wrong" from "the grid said no".
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The node answered with an error status, was unreachable, or answered nonsense.</summary>
    public const int GridError = 1;

    /// <summary>Bad command line: unknown option, bad notation or hex, unreadable input file, bad node URL.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C / SIGTERM); 128 + SIGINT as shells expect.</summary>
    public const int Cancelled = 130;
}
