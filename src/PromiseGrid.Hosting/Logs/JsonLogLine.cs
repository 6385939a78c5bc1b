using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Event;

namespace PromiseGrid.Hosting.Logs;

/// <summary>
/// One log event as one line of JSON (<c>PG_LOGFORMAT=json</c>, README.md, "Observe: the logs"):
/// the fields of the text line (<c>time</c>, <c>level</c>, <c>source</c>, <c>logger</c>, <c>thread</c>,
/// <c>message</c>), then every <c>key=value</c> pair of the message as a field of its own, named
/// by its key, and the exception, if any, as <c>exception</c>. The pairs are read from the
/// message as written, so a pair a new log line adds is a field with no change here.
/// </summary>
internal static partial class JsonLogLine
{
    private static readonly string[] Reserved = ["time", "level", "source", "logger", "thread", "message", "exception"];

    /// <summary>The event as JSON, without the line end.</summary>
    public static string Format(LogEvent logEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            var message = logEvent.Message?.ToString() ?? "";
            json.WriteStartObject();
            json.WriteString("time", logEvent.Timestamp.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("level", Level(logEvent.LogLevel()));
            json.WriteString("source", logEvent.LogSource);
            // Akka names a placeholder class for sources given as strings: no information, left out.
            if (logEvent.LogClass is { } type && type != typeof(DummyClassForStringSources)) json.WriteString("logger", type.FullName);
            json.WriteNumber("thread", logEvent.Thread?.ManagedThreadId ?? 0);
            json.WriteString("message", message);
            var written = new HashSet<string>(Reserved, StringComparer.Ordinal);
            foreach (var (key, value) in Pairs(message))
                if (written.Add(key))
                    json.WriteString(key, value);
            if (logEvent.Cause is { } cause) json.WriteString("exception", cause.ToString());
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The <c>key=value</c> pairs of a message, in order: a key is a word (letters, digits, <c>_</c>,
    /// <c>-</c>, <c>.</c>) after a space or at the start; its value runs to the next space, or is
    /// the text between double quotes when it starts with one.
    /// </summary>
    public static IEnumerable<(string Key, string Value)> Pairs(string message)
    {
        foreach (Match match in Pair().Matches(message))
        {
            var quoted = match.Groups["quoted"];
            yield return (match.Groups["key"].Value, quoted.Success ? quoted.Value : match.Groups["plain"].Value);
        }
    }

    /// <summary>The level words of the text lines.</summary>
    private static string Level(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => "DEBUG",
        LogLevel.InfoLevel => "INFO",
        LogLevel.WarningLevel => "WARNING",
        LogLevel.ErrorLevel => "ERROR",
        _ => level.ToString(),
    };

    [GeneratedRegex("""(?<=^|\s)(?<key>[A-Za-z_][A-Za-z0-9_.\-]*)=(?:"(?<quoted>[^"]*)"|(?<plain>[^\s]*))""")]
    private static partial Regex Pair();
}
