using Akka.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace PromiseGrid.Hosting.Configuration;

/// <summary>
/// Kestrel's limits on the stock node's gateway (<c>promisegrid.node.gateway</c> in
/// config/node.conf): how many connections, how long a client may take over its headers or
/// sit idle, how slowly it may send a body, how large its headers may be.
/// </summary>
public sealed record GatewayLimits(
    int MaxConnections,
    TimeSpan RequestHeadersTimeout,
    TimeSpan KeepAliveTimeout,
    double MinBodyBytesPerSecond,
    TimeSpan MinBodyGrace,
    int MaxHeaderBytes)
{
    /// <summary>Reads and checks the block; a bad value is a <see cref="NodeConfigurationException"/> naming its key.</summary>
    public static GatewayLimits Read(Config gateway)
    {
        var limits = new GatewayLimits(
            gateway.GetInt("max-connections"),
            gateway.GetTimeSpan("request-headers-timeout"),
            gateway.GetTimeSpan("keep-alive-timeout"),
            gateway.GetDouble("min-body-bytes-per-second"),
            gateway.GetTimeSpan("min-body-grace"),
            gateway.GetInt("max-header-bytes"));
        if (limits.MaxConnections <= 0) throw Bad("max-connections", "must be positive");
        if (limits.RequestHeadersTimeout <= TimeSpan.Zero) throw Bad("request-headers-timeout", "must be positive");
        if (limits.KeepAliveTimeout <= TimeSpan.Zero) throw Bad("keep-alive-timeout", "must be positive");
        if (limits.MinBodyBytesPerSecond <= 0) throw Bad("min-body-bytes-per-second", "must be positive");
        if (limits.MinBodyGrace <= TimeSpan.Zero) throw Bad("min-body-grace", "must be positive");
        if (limits.MaxHeaderBytes < 8192) throw Bad("max-header-bytes", "must be at least 8192 (a capability token alone may be 8 KiB)");
        return limits;
    }

    /// <summary>Sets these on Kestrel.</summary>
    internal void Apply(KestrelServerLimits kestrel)
    {
        kestrel.MaxConcurrentConnections = MaxConnections;
        kestrel.MaxConcurrentUpgradedConnections = MaxConnections;
        kestrel.RequestHeadersTimeout = RequestHeadersTimeout;
        kestrel.KeepAliveTimeout = KeepAliveTimeout;
        kestrel.MinRequestBodyDataRate = new MinDataRate(MinBodyBytesPerSecond, MinBodyGrace);
        kestrel.MaxRequestHeadersTotalSize = MaxHeaderBytes;
        kestrel.MaxRequestLineSize = Math.Min(kestrel.MaxRequestLineSize, MaxHeaderBytes);
    }

    private static NodeConfigurationException Bad(string key, string why) => new($"promisegrid.node.gateway.{key} {why}");
}
