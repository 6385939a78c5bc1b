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
            repair.GetTimeSpan("interval"),
            repair.GetTimeSpan("check-interval"),
            repair.GetTimeSpan("settle"),
            repair.GetInt("buckets"),
            repair.GetInt("concurrency"),
            repair.GetInt("max-blobs-per-pass"));
        settings.Validate();
        return settings;
    }

    internal void Validate()
    {
        if (Interval <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.store.repair.interval must be positive");
        if (CheckInterval <= TimeSpan.Zero || CheckInterval > Interval)
            throw new ConfigurationException("promisegrid.store.repair.check-interval must be positive and at most promisegrid.store.repair.interval");
        if (Settle < TimeSpan.Zero || Settle > Interval)
            throw new ConfigurationException("promisegrid.store.repair.settle must be between 0 and promisegrid.store.repair.interval");
        if (Buckets is < 1 or > MaxBuckets) throw new ConfigurationException($"promisegrid.store.repair.buckets must be between 1 and {MaxBuckets}");
        if (Concurrency < 1) throw new ConfigurationException("promisegrid.store.repair.concurrency must be at least 1");
        if (MaxBlobsPerPass < 1) throw new ConfigurationException("promisegrid.store.repair.max-blobs-per-pass must be at least 1");
    }
}
