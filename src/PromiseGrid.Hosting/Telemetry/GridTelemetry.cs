using Akka.Actor;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using PromiseGrid.Kernel.Diagnostics;

namespace PromiseGrid.Hosting.Telemetry;

/// <summary>
/// The one place a node's telemetry is exported (docs/architecture.md#observability): an
/// OpenTelemetry <see cref="MeterProvider"/> per node, made with the node (<see cref="Node.GridNode"/>)
/// by the stock node and by every user host alike, and disposed with its actor system.
/// It reads the <see cref="GridMeters"/> of that node only: the instruments live in the code
/// that owns each figure, on meters whose scope is the node's actor system, and a view drops
/// the same meters of any other node in the process (tests and benchmarks run several).
/// Exports: Prometheus text for <c>GET /metrics</c> (<see cref="Gateway.GatewayEndpoints"/>),
/// and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with the standard <c>OTEL_*</c> variables).
/// </summary>
internal sealed class GridTelemetry : IDisposable
{
    /// <summary>The standard variable that turns the OTLP export on (the exporter reads the rest: protocol, headers, interval).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private GridTelemetry(MeterProvider meters) => Meters = meters;

    /// <summary>The node's meter provider; its Prometheus exporter answers <c>GET /metrics</c>.</summary>
    public MeterProvider Meters { get; }

    // Tracing (a TracerProvider over the grid's ActivitySources) is started beside the meters, here.

    public static GridTelemetry Start(ActorSystem system)
    {
        var meters = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(system.Name, serviceInstanceId: ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString()))
            .AddMeter([.. GridMeters.All])
            .AddView(instrument => ReferenceEquals(instrument.Meter.Scope, system) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(prometheus =>
            {
                // Each scrape collects afresh: a figure read right after a request includes it.
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                // No otel_scope_* labels: the series keep the names and labels /metrics has always had.
                prometheus.ScopeInfoEnabled = false;
            });
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable)))
            meters.AddOtlpExporter();
        var telemetry = new GridTelemetry(meters.Build());
        system.WhenTerminated.ContinueWith(_ => telemetry.Dispose(), TaskScheduler.Default);
        return telemetry;
    }

    public void Dispose() => Meters.Dispose();
}
