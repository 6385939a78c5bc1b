using Akka.Configuration;

namespace PromiseGrid.Modules.Store;

/// <summary>The store's settings, read from <c>promisegrid.store</c> (see the embedded store.conf).</summary>
/// <param name="Folder">Absolute path of the store folder (blobs/ and tmp/ live under it).</param>
/// <param name="ReplicationFactor">Copies a put makes before it completes, capped by the nodes that run the store.</param>
/// <param name="MaxBlobBytes">Largest blob a put accepts.</param>
/// <param name="WriteTimeout">How long a put waits for one other node's copy.</param>
/// <param name="ReadTimeout">How long a get or has waits for one other node's answer.</param>
public sealed record StoreSettings(string Folder, int ReplicationFactor, int MaxBlobBytes, TimeSpan WriteTimeout, TimeSpan ReadTimeout)
{
    /// <summary>How the store restores its copies (<c>promisegrid.store.repair</c>); store.conf's defaults unless set.</summary>
    public StoreRepairSettings Repair { get; init; } = StoreRepairSettings.Default;

    private const string ReferenceResource = "PromiseGrid.Modules.Store.store.conf";

    /// <summary>The data folder when the node names none (the node's own default, config/node.conf).</summary>
    private const string DefaultDataFolder = "./data";

    /// <summary>The embedded store.conf: the documented default of every key.</summary>
    public static Config DefaultConfig() =>
        ConfigurationFactory.FromResource(ReferenceResource, typeof(StoreSettings).Assembly);

    /// <summary>
    /// Reads <c>promisegrid.store.*</c> from <paramref name="config"/> over store.conf; an empty
    /// <c>folder</c> means <c>store</c> under <c>promisegrid.node.data</c> (PG_DATA).
    /// </summary>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public static StoreSettings Create(Config config)
    {
        var merged = config.WithFallback(DefaultConfig());
        var store = merged.GetConfig("promisegrid.store");
        var folder = store.GetString("folder", "").Trim();
        if (folder.Length == 0)
        {
            var data = merged.GetString("promisegrid.node.data", "").Trim();
            folder = Path.Combine(data.Length == 0 ? DefaultDataFolder : data, "store");
        }
        var settings = new StoreSettings(
            Path.GetFullPath(folder),
            store.GetInt("replication-factor"),
            store.GetInt("max-blob-bytes"),
            store.GetTimeSpan("write-timeout"),
            store.GetTimeSpan("read-timeout"))
        {
            Repair = StoreRepairSettings.Create(store.GetConfig("repair")),
        };
        settings.Validate();
        return settings;
    }

    private void Validate()
    {
        if (ReplicationFactor < 1) throw new ConfigurationException("promisegrid.store.replication-factor must be at least 1");
        if (MaxBlobBytes < 0) throw new ConfigurationException("promisegrid.store.max-blob-bytes must not be negative");
        if (WriteTimeout <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.store.write-timeout must be positive");
        if (ReadTimeout <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.store.read-timeout must be positive");
    }
}
