using System.Diagnostics;
using System.Globalization;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// The live line of <c>pgrid gpt train</c> on standard error, rewritten in place with <c>\r</c> as
/// <c>pgrid put/get</c>'s <see cref="Store.TransferProgress"/> is:
/// <c>step 1200/5000  24%  loss 1.873 bits/byte  31.4 kB/s  7:58 left</c>.
/// Standard output keeps the evaluation log, so the line is wiped before a log line is written
/// and drawn again at the next step.
/// </summary>
public sealed class TrainingProgress
{
    private readonly Output.StatusLine? _line;

    /// <param name="error">Where the line goes; null draws nothing.</param>
    public TrainingProgress(TextWriter? error) => _line = error is null ? null : new Output.StatusLine(error);

    /// <summary>Whether to draw: never with --quiet, always with --progress, else when standard error is a terminal.</summary>
    public static bool ShouldShow(CliConsole console, bool progress, bool quiet) =>
        !quiet && (progress || (ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected));

    /// <summary>Redraws the line if the last drawing is old enough (or <paramref name="force"/>).</summary>
    /// <param name="step">Steps done.</param>
    /// <param name="target">The step the run ends at, when it is known.</param>
    /// <param name="lossBits">Recent training loss, bits per byte.</param>
    /// <param name="bytesPerSecond">Training throughput: bytes predicted per second of training.</param>
    /// <param name="left">Time to the end, when it can be told.</param>
    public void Update(int step, int? target, double lossBits, double bytesPerSecond, TimeSpan? left, bool force = false)
    {
        if (_line is null) return;
        var now = Stopwatch.GetTimestamp();
        if (!force && !_line.IsDue(now)) return;
        var line = target is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"step {step}/{t}  {100.0 * step / Math.Max(1, t),3:0}%  loss {lossBits:0.000} bits/byte  {bytesPerSecond / 1000:0.0} kB/s")
            : string.Create(CultureInfo.InvariantCulture, $"step {step}  loss {lossBits:0.000} bits/byte  {bytesPerSecond / 1000:0.0} kB/s");
        if (left is { } l) line += "  " + Clock(l) + " left";
        _line.Draw(line, now);
    }

    /// <summary>Wipes the line so that a log line (or an error) starts on a clean one.</summary>
    public void Clear() => _line?.Clear();

    /// <summary>h:mm:ss or m:ss.</summary>
    public static string Clock(TimeSpan time)
    {
        if (time < TimeSpan.Zero) time = TimeSpan.Zero;
        return time.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours}:{time.Minutes:00}:{time.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{time.Minutes}:{time.Seconds:00}");
    }
}
