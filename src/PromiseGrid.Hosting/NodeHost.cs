using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Hosting.Gateway;
using PromiseGrid.Hosting.Node;
using PromiseGrid.Hosting.Telemetry;
using Akka.Event;

namespace PromiseGrid.Hosting;

/// <summary>
/// The stock node's web host: Kestrel on <c>PG_HTTP</c> with the gateway mapped, and the node
/// added through <see cref="GridNodeBuilder"/>, the same integration a user's host uses.
/// Everything that can be wrong with the settings is found here, before anything starts.
/// </summary>
internal static class NodeHost
{
    /// <param name="configure">Lets a host add endpoints of its own before the app is built (the benchmark's bare baseline).</param>
    /// <exception cref="NodeConfigurationException">A module name, a plugin or a TLS file is unusable.</exception>
    /// <param name="configureTracing">More for the tracer provider, when tracing is on (a test's in-memory exporter).</param>
    public static WebApplication Build(NodeSettings settings, Action<WebApplication>? configure = null,
        Action<OpenTelemetry.Trace.TracerProviderBuilder>? configureTracing = null)
    {
        var modules = new ModuleLoader(settings.PluginsFolder).Resolve(settings.Modules);
        var security = TransportSecurity.Load(settings.Tls); // certificate errors stop the node before Akka starts
        var https = GatewayTls.Load(settings.Https);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
        if (settings.LogFormat == "json")
        {
            // ASP.NET Core's own warnings as JSON lines too, so stdout is JSON only.
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(json =>
            {
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffffffZ";
            });
        }
        builder.WebHost.UseUrls(settings.HttpUrl);
        // The slim builder leaves HTTPS out unless asked for.
        if (https is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        // The gateway enforces the grid's own size limit (413 as problem+json), so
        // Kestrel's generic limit must not answer first.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            settings.Limits.Apply(kestrel.Limits);
            if (https is not null) kestrel.ConfigureHttpsDefaults(https.Apply);
        });
        builder.Services.AddAkka(NodeSettings.SystemName, akka => akka.WithPromiseGrid(settings, modules, security));
        builder.Services.AddGridTracing(settings, configureTracing);
        var app = builder.Build();
        app.UseGridTracing(settings);
        app.Lifetime.ApplicationStarted.Register(() => app.Node().Log.Info("{0}", GatewayTls.Describe(https)));
        app.MapPromiseGrid();
        configure?.Invoke(app);
        return app;
    }

    /// <summary>The node of a host built by <see cref="Build"/> (its actor system starts with the host).</summary>
    public static GridNode Node(this WebApplication app) => GridNode.Get(app.Services.GetRequiredService<ActorSystem>());
}
