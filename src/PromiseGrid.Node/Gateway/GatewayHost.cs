using PromiseGrid.Node.Hosting;

namespace PromiseGrid.Node.Gateway;

/// <summary>The Kestrel web application that serves a node's gateway, not yet started.</summary>
public static class GatewayHost
{
    /// <param name="configure">Lets a host add endpoints of its own before the app is built (the benchmark's bare baseline).</param>
    public static WebApplication Build(string url, GridNode node, Action<WebApplication>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        // The gateway enforces the grid's own size limit (413 as problem+json), so
        // Kestrel's generic limit must not answer first.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var dropped = new DroppedRequests(node.Log);
        app.Lifetime.ApplicationStopped.Register(dropped.Dispose);
        GatewayEndpoints.Map(app, node, new GatewayMetrics(), dropped);
        configure?.Invoke(app);
        return app;
    }
}
