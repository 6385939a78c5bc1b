using Akka.Configuration;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// The store's repair (<c>promisegrid.store.repair</c>, see the embedded store.conf): how often
/// nodes compare inventories and how much one pass may copy.
/// </summary>
/// <param name="Interval">Time between two anti-entropy passes when nothing changes.</param>
/// <param name="CheckInterval">How often the node looks for a change of the store nodes; also how soon a pass that left work is followed by the next.</param>
/// <param name="Settle">How long a changed set of store nodes must stay the same before a pass runs for it (a node that is unreachable for a moment moves no copies).</param>
/// <param name="Buckets">How many buckets an inventory is split into; one digest per bucket is exchanged.</param>
/// <param name="Concurrency">Blobs in flight at once in one pass (copies sent, or copies checked before a drop).</param>
/// <param name="MaxBlobsPerPass">Blobs one pass copies or drops at most; the rest waits for the next pass.</param>
public sealed record StoreRepairSettings(TimeSpan Interval, TimeSpan CheckInterval, TimeSpan Settle, int Buckets, int Concurrency, int MaxBlobsPerPass)
{
    /// <summary>The most buckets: their digests (32 bytes each) must fit one request well within max-sequence-bytes.</summary>
    public const int MaxBuckets = 16384;

    /// <summary>store.conf's defaults.</summary>
    public static StoreRepairSettings Default { get; } = new(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 256, 8, 1000);

    /// <summary>Reads the <c>repair</c> block of <c>promisegrid.store</c>.</summary>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public static StoreRepairSettings Create(Config repair)
    {
        var settings = new StoreRepairSettings(
            Read("interval", "PG_STORE_REPAIR_INTERVAL", key => repair.GetTimeSpan(key)),
            Read("check-interval", null, key => repair.GetTimeSpan(key)),
            Read("settle", null, key => repair.GetTimeSpan(key)),
            Read("buckets", "PG_STORE_REPAIR_BUCKETS", key => repair.GetInt(key)),
            Read("concurrency", "PG_STORE_REPAIR_CONCURRENCY", key => repair.GetInt(key)),
            Read("max-blobs-per-pass", null, key => repair.GetInt(key)));
        settings.Validate();
        return settings;
    }

    /// <summary>One key; a value that is not a duration or a number (an environment variable's text) is refused naming the key.</summary>
    private static T Read<T>(string key, string? variable, Func<string, T> read)
    {
        try
        {
            return read(key);
        }
        catch (Exception error) when (error is FormatException or OverflowException or ConfigurationException)
        {
            var name = variable is null ? $"promisegrid.store.repair.{key}" : $"promisegrid.store.repair.{key} ({variable})";
            throw new ConfigurationException($"{name} is not a {(typeof(T) == typeof(TimeSpan) ? "duration such as 30s" : "whole number")}: {error.Message}");
        }
    }

    internal void Validate()
    {
        if (Interval <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.store.repair.interval (PG_STORE_REPAIR_INTERVAL) must be positive");
        if (CheckInterval <= TimeSpan.Zero || CheckInterval > Interval)
            throw new ConfigurationException("promisegrid.store.repair.check-interval must be positive and at most promisegrid.store.repair.interval (PG_STORE_REPAIR_INTERVAL)");
        if (Settle < TimeSpan.Zero || Settle > Interval)
            throw new ConfigurationException("promisegrid.store.repair.settle must be between 0 and promisegrid.store.repair.interval (PG_STORE_REPAIR_INTERVAL)");
        if (Buckets is < 1 or > MaxBuckets) throw new ConfigurationException($"promisegrid.store.repair.buckets (PG_STORE_REPAIR_BUCKETS) must be between 1 and {MaxBuckets}");
        if (Concurrency < 1) throw new ConfigurationException("promisegrid.store.repair.concurrency (PG_STORE_REPAIR_CONCURRENCY) must be at least 1");
        if (MaxBlobsPerPass < 1) throw new ConfigurationException("promisegrid.store.repair.max-blobs-per-pass must be at least 1");
    }
}
