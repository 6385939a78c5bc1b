using System.Diagnostics;
using System.Globalization;

namespace PromiseGrid.Cli.Store;

/// <summary>
/// One progress line on standard error for <c>pgrid put</c> and <c>pgrid get</c>:
/// <c>put 12.6 / 52.4 MB  24%  31.2 MB/s</c>, rewritten in place with <c>\r</c> and ended with a
/// newline when the transfer ends. MB are 10^6 bytes. Standard output is never touched: it carries
/// the CID or the file's bytes. Chunks finish on several tasks at once, so updates are locked.
/// </summary>
public sealed class TransferProgress
{
    private readonly Output.StatusLine? _line;
    private readonly string _verb;
    private readonly long? _totalBytes;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Lock _lock = new();
    private long _doneBytes;

    /// <param name="error">Where the line goes; null draws nothing (progress off).</param>
    /// <param name="verb">What is happening: <c>put</c> or <c>get</c>.</param>
    /// <param name="totalBytes">The size when it is known in advance; null for a stream of unknown length.</param>
    public TransferProgress(TextWriter? error, string verb, long? totalBytes)
    {
        _line = error is null ? null : new Output.StatusLine(error);
        _verb = verb;
        _totalBytes = totalBytes;
    }

    /// <summary>A progress that draws nothing.</summary>
    public static TransferProgress Off { get; } = new(null, "", null);

    /// <summary>
    /// Whether to show progress: never with <c>--quiet</c>, always with <c>--progress</c>, and otherwise
    /// for transfers of more than one blob when standard error is a terminal (not a pipe or a file, where
    /// carriage returns would only clutter a log).
    /// </summary>
    public static bool ShouldShow(CliConsole console, bool progress, bool quiet, bool large)
    {
        if (quiet) return false;
        if (progress) return true;
        return large && ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;
    }

    /// <summary>Counts <paramref name="bytes"/> more as done, and redraws if the last drawing is old enough.</summary>
    public void Add(long bytes)
    {
        if (_line is null) return;
        lock (_lock)
        {
            _doneBytes += bytes;
            var now = Stopwatch.GetTimestamp();
            if (!_line.IsDue(now)) return;
            Draw(_line, now);
        }
    }

    /// <summary>Draws the final figures and ends the line. Call once the transfer succeeded.</summary>
    public void Finish()
    {
        if (_line is null) return;
        lock (_lock)
        {
            Draw(_line, Stopwatch.GetTimestamp());
            _line.End();
        }
    }

    /// <summary>Ends a drawn line so that an error message that follows starts on a line of its own.</summary>
    public void Abandon()
    {
        if (_line is null) return;
        lock (_lock) _line.End();
    }

    private void Draw(Output.StatusLine statusLine, long now)
    {
        var seconds = Stopwatch.GetElapsedTime(_started, now).TotalSeconds;
        var rate = seconds > 0 ? _doneBytes / 1e6 / seconds : 0;
        var line = _totalBytes is { } total
            ? string.Create(CultureInfo.InvariantCulture,
                $"{_verb} {Megabytes(_doneBytes)} / {Megabytes(total)} MB  {(total == 0 ? 100 : 100.0 * _doneBytes / total),3:0}%  {rate:0.0} MB/s")
            : string.Create(CultureInfo.InvariantCulture, $"{_verb} {Megabytes(_doneBytes)} MB  {rate:0.0} MB/s");
        statusLine.Draw(line, now);
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
}
