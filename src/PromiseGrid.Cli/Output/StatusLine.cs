using System.Diagnostics;

namespace PromiseGrid.Cli.Output;

/// <summary>
/// One line on standard error rewritten in place with <c>\r</c>: the live progress of
/// <c>pgrid put/get</c> and <c>pgrid gpt train</c>. Spaces wipe what a longer earlier line left
/// behind. Not thread-safe: a caller drawing from several tasks locks around it.
/// </summary>
public sealed class StatusLine(TextWriter error)
{
    /// <summary>Redraw at most this often; a fast run would otherwise flood a slow terminal.</summary>
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(200);

    private long _lastDrawn;
    private int _lastLength;

    /// <summary>True while a line is on the screen (drawn and neither wiped nor ended).</summary>
    public bool IsDrawn { get; private set; }

    /// <summary>Whether a redraw at <paramref name="now"/> (a <see cref="Stopwatch"/> timestamp) is due.</summary>
    public bool IsDue(long now) => !IsDrawn || Stopwatch.GetElapsedTime(_lastDrawn, now) >= RedrawInterval;

    /// <summary>Replaces the line with <paramref name="line"/>.</summary>
    public void Draw(string line, long now)
    {
        var padding = Math.Max(0, _lastLength - line.Length);
        error.Write('\r');
        error.Write(line);
        if (padding > 0) error.Write(new string(' ', padding));
        error.Flush();
        _lastLength = line.Length;
        _lastDrawn = now;
        IsDrawn = true;
    }

    /// <summary>Wipes the line, so that what is written next starts on a clean one.</summary>
    public void Clear()
    {
        if (!IsDrawn) return;
        error.Write('\r');
        error.Write(new string(' ', _lastLength));
        error.Write('\r');
        error.Flush();
        IsDrawn = false;
        _lastLength = 0;
    }

    /// <summary>Ends the line as it stands (a newline), so that it stays on the screen.</summary>
    public void End()
    {
        if (!IsDrawn) return;
        error.Write('\n');
        error.Flush();
        IsDrawn = false;
        _lastLength = 0;
    }
}
