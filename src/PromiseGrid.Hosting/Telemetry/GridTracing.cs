using System.Diagnostics;
using OpenTelemetry.Resources;
using PromiseGrid.Hosting.Configuration;
using OpenTelemetry.Trace;
using PromiseGrid.Kernel.Tracing;

namespace PromiseGrid.Hosting.Telemetry;

/// <summary>
/// The node's OpenTelemetry tracing (docs/architecture.md#tracing): a tracer provider on the grid's
/// activity sources (<see cref="GridActivitySources"/>) and ASP.NET Core's request activity, which
/// reads the <c>traceparent</c> header; an OTLP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// Nothing at all when tracing is off, so no listener makes the sources create activities.
/// </summary>
internal static class GridTracing
{
    /// <param name="configure">More for the tracer provider (a test's in-memory exporter).</param>
    public static IServiceCollection AddGridTracing(this IServiceCollection services, NodeSettings settings,
        Action<TracerProviderBuilder>? configure = null)
    {
        var tracing = settings.Tracing;
        if (!tracing.Enabled) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("promisegrid", serviceInstanceId: $"{settings.Host}:{settings.Port}"))
            .WithTracing(builder =>
            {
                builder.AddSource([.. GridActivitySources.All]).AddAspNetCoreInstrumentation();
                // Parent-based: a request that comes with a sampled parent is traced, so one trace
                // stays whole across nodes whatever each node's share.
                if (tracing.Ratio is { } ratio) builder.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)));
                if (tracing.OtlpEndpoint is not null) builder.AddOtlpExporter();
                configure?.Invoke(builder);
            });
        return services;
    }

    /// <summary>
    /// Answers every traced gateway request with its <c>traceparent</c> (the gateway's span), so a
    /// client can find its request's trace; only when tracing is on.
    /// </summary>
    public static WebApplication UseGridTracing(this WebApplication app, NodeSettings settings)
    {
        if (!settings.Tracing.Enabled) return app;
        app.Use(static (context, next) =>
        {
            if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id })
                context.Response.Headers["traceparent"] = id;
            return next(context);
        });
        return app;
    }
}
