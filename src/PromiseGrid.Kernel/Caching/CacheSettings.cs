using Akka.Configuration;

namespace PromiseGrid.Kernel.Caching;

/// <summary>The <c>promisegrid.cache</c> block of reference.conf.</summary>
public sealed record CacheSettings(bool Enabled, long MaxBytes, long MaxEntryBytes)
{
    public static CacheSettings Create(Config promisegrid)
    {
        var cache = promisegrid.GetConfig("cache");
        var settings = new CacheSettings(
            cache.GetBoolean("enabled"),
            cache.GetByteSize("max-bytes") ?? 0,
            cache.GetByteSize("max-entry-bytes") ?? 0);
        if (settings.MaxBytes < 0) throw new ConfigurationException("promisegrid.cache.max-bytes must not be negative");
        if (settings.MaxEntryBytes < 0) throw new ConfigurationException("promisegrid.cache.max-entry-bytes must not be negative");
        return settings;
    }
}
