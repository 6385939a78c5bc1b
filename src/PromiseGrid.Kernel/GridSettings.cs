using Akka.Actor;
using Akka.Configuration;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel;

/// <summary>The kernel's settings, read from the <c>promisegrid</c> HOCON block (see reference.conf).</summary>
public sealed record GridSettings(
    int MaxSequenceBytes,
    TimeSpan DefaultDeadline,
    TimeSpan MaxDeadline,
    string RouterActorName,
    int MaxPrefixBytes,
    int MaxHops,
    CacheSettings Cache,
    SecuritySettings Security)
{
    private const string ReferenceResource = "PromiseGrid.Kernel.reference.conf";

    /// <summary>The embedded reference.conf: the documented default of every key.</summary>
    public static Config DefaultConfig() =>
        ConfigurationFactory.FromResource(ReferenceResource, typeof(GridSettings).Assembly);

    /// <summary>
    /// <paramref name="config"/> with the kernel's defaults beneath it. Create every actor system
    /// that talks to other nodes with this: the remoting frame size is read when the system
    /// starts, so defaults injected later cannot raise it. It also adds the cluster role that says
    /// which wire format this node reads (docs/wire.md#rolling-upgrades).
    /// </summary>
    public static Config WithGridDefaults(Config config) => Serialization.WireVersionRole.Advertise(config.WithFallback(DefaultConfig()));

    public static GridSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>Reads <c>promisegrid.*</c> from <paramref name="config"/>, falling back to reference.conf.</summary>
    public static GridSettings Create(Config config)
    {
        var grid = config.WithFallback(DefaultConfig()).GetConfig("promisegrid");
        var settings = new GridSettings(
            MaxSequenceBytes: grid.GetInt("max-sequence-bytes"),
            DefaultDeadline: grid.GetTimeSpan("default-deadline"),
            MaxDeadline: grid.GetTimeSpan("max-deadline"),
            RouterActorName: grid.GetString("router-actor-name"),
            MaxPrefixBytes: grid.GetInt("max-prefix-bytes"),
            MaxHops: grid.GetInt("max-hops"),
            Cache: CacheSettings.Create(grid),
            Security: SecuritySettings.Create(grid));
        settings.Validate();
        return settings;
    }

    /// <summary>
    /// The deadline a request gets: <see cref="DefaultDeadline"/> when it names none, and never
    /// more than <see cref="MaxDeadline"/>. A zero or negative request stays as it is: its
    /// deadline has already passed.
    /// </summary>
    public TimeSpan DeadlineFor(TimeSpan? requested)
    {
        var deadline = requested ?? DefaultDeadline;
        return deadline > MaxDeadline ? MaxDeadline : deadline;
    }

    private void Validate()
    {
        if (MaxSequenceBytes <= 0) throw new ConfigurationException("promisegrid.max-sequence-bytes must be positive");
        if (DefaultDeadline <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.default-deadline must be positive");
        if (MaxDeadline < DefaultDeadline) throw new ConfigurationException("promisegrid.max-deadline must not be below default-deadline");
        if (string.IsNullOrWhiteSpace(RouterActorName)) throw new ConfigurationException("promisegrid.router-actor-name must be set");
        if (MaxPrefixBytes <= 0) throw new ConfigurationException("promisegrid.max-prefix-bytes must be positive");
        if (MaxHops < 0) throw new ConfigurationException("promisegrid.max-hops must not be negative");
    }
}
