using System.Globalization;

namespace PromiseGrid.Core.Capabilities.Internal;

/// <summary>CWT NumericDate handling: whole seconds, and one time format for every reason text.</summary>
internal static class UnixTime
{
    private static readonly long MinSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Whole seconds, rounded down, so a truncated expiry never passes the one asked for.</summary>
    public static long ToSeconds(DateTimeOffset time) => time.ToUnixTimeSeconds();

    /// <summary><paramref name="time"/> without its fraction of a second.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());

    public static bool TryFromSeconds(long seconds, out DateTimeOffset time)
    {
        if (seconds < MinSeconds || seconds > MaxSeconds)
        {
            time = default;
            return false;
        }
        time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>ISO 8601 in UTC to the second: <c>2026-12-01T00:00:00Z</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
