using System.Text;

namespace PromiseGrid.Cli;

/// <summary>
/// The three standard streams <c>pgrid</c> uses, injectable so tests run the real command line in
/// process. Standard output is a <see cref="Stream"/> because completions are raw bytes that must
/// reach the pipe unchanged; <see cref="Out"/> is a text view of the same stream for tables and help.
/// </summary>
public sealed class CliConsole
{
    public CliConsole(Stream stdin, Stream stdout, TextWriter stderr, bool handlesTermination = false)
    {
        In = stdin;
        StdOut = stdout;
        Error = stderr;
        HandlesTermination = handlesTermination;
        // No BOM and auto-flush: text and raw bytes share one stream, so nothing may linger in a buffer
        // and come out after (or in the middle of) the bytes written directly to StdOut.
        Out = new StreamWriter(stdout, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 4096, leaveOpen: true)
        {
            AutoFlush = true,
            NewLine = "\n",
        };
    }

    public Stream In { get; }
    public Stream StdOut { get; }
    public TextWriter Out { get; }
    public TextWriter Error { get; }

    /// <summary>
    /// True for the real process: Ctrl+C/SIGTERM then cancel the running command. Tests leave it off
    /// so parallel in-process runs do not hook the test host's signals.
    /// </summary>
    public bool HandlesTermination { get; }

    /// <summary>The process's own streams.</summary>
    public static CliConsole FromProcess() =>
        new(Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, handlesTermination: true);
}
