using System.Globalization;

namespace PromiseGrid.Node.Tests.Scale;

/// <summary>
/// How much the scale measurement does. The defaults are what CI runs (a few minutes); the
/// environment variables make the full measurement of the README's Performance section.
/// </summary>
public sealed record ScaleOptions
{
    /// <summary>Routes registered one at a time, each timed until every other node serves it.  env PG_SCALE_REGISTRATIONS</summary>
    public int Registrations { get; init; } = 30;

    /// <summary>
    /// Routes registered on every node at once before the second round of registrations (120,000
    /// in a twelve-node grid); 0 skips that round.  env PG_SCALE_BULK_ROUTES
    /// </summary>
    public int BulkRoutesPerNode { get; init; } = 10_000;

    /// <summary>How long every gateway is loaded at once (after a warm-up of a fifth of it).  env PG_SCALE_LOAD_SECONDS</summary>
    public double LoadSeconds { get; init; } = 10;

    /// <summary>Concurrent requesters per gateway during the load.  env PG_SCALE_LOAD_CONCURRENCY</summary>
    public int LoadConcurrencyPerGateway { get; init; } = 4;

    /// <summary>How long the idle CPU of every node is sampled, with no request anywhere.  env PG_SCALE_IDLE_SECONDS</summary>
    public double IdleSeconds { get; init; } = 15;

    /// <summary>The give-up bounds of each wait: far past any figure measured, so only a fault ends a wait.</summary>
    public TimeSpan UpTimeout { get; init; } = TimeSpan.FromMinutes(4);

    public TimeSpan RouteTimeout { get; init; } = TimeSpan.FromSeconds(90);

    public TimeSpan BulkTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public static ScaleOptions FromEnvironment()
    {
        var options = new ScaleOptions();
        return options with
        {
            Registrations = Int("PG_SCALE_REGISTRATIONS", options.Registrations, 1),
            BulkRoutesPerNode = Int("PG_SCALE_BULK_ROUTES", options.BulkRoutesPerNode, 0),
            LoadSeconds = Number("PG_SCALE_LOAD_SECONDS", options.LoadSeconds),
            LoadConcurrencyPerGateway = Int("PG_SCALE_LOAD_CONCURRENCY", options.LoadConcurrencyPerGateway, 1),
            IdleSeconds = Number("PG_SCALE_IDLE_SECONDS", options.IdleSeconds),
        };
    }

    private static int Int(string name, int fallback, int min)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text)) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new ArgumentException($"{name}='{text}' must be a whole number of at least {min}");
    }

    private static double Number(string name, double fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text)) return fallback;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name}='{text}' must be a positive number of seconds");
    }
}
