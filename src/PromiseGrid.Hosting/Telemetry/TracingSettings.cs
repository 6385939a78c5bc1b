using System.Collections;
using System.Globalization;
using Akka.Configuration;
using PromiseGrid.Hosting.Configuration;

namespace PromiseGrid.Hosting.Telemetry;

/// <summary>
/// Whether the node traces requests, read from <c>promisegrid.tracing</c> (config/node.conf) and
/// OpenTelemetry's standard variables. Off by default, and off means no <see cref="System.Diagnostics.ActivityListener"/>
/// at all: the grid's activity sources then create nothing.
/// </summary>
/// <param name="Enabled">A tracer provider listens to the grid's sources.</param>
/// <param name="Ratio">The share of new traces sampled (parent-based: a sampled parent is followed); null when OTEL_TRACES_SAMPLER chooses.</param>
/// <param name="OtlpEndpoint">OTEL_EXPORTER_OTLP_ENDPOINT: spans are exported over OTLP when set.</param>
internal sealed record TracingSettings(bool Enabled, double? Ratio, string? OtlpEndpoint)
{
    public static readonly TracingSettings Off = new(false, null, null);

    /// <param name="tracing">The <c>promisegrid.tracing</c> block.</param>
    /// <param name="environment">For OTEL_TRACES_SAMPLER and OTEL_EXPORTER_OTLP_ENDPOINT.</param>
    public static TracingSettings Read(Config tracing, IDictionary environment)
    {
        var text = tracing.GetString("sample", "0").Trim();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || ratio is < 0 or > 1 || double.IsNaN(ratio))
            throw new NodeConfigurationException($"PG_TRACE_SAMPLE (promisegrid.tracing.sample) must be a number from 0 to 1, got '{text}'");
        var endpoint = environment["OTEL_EXPORTER_OTLP_ENDPOINT"] as string;
        if (string.IsNullOrWhiteSpace(endpoint)) endpoint = null;
        if (ratio > 0) return new TracingSettings(true, ratio, endpoint);
        // No share of our own: OpenTelemetry's standard sampler variable may still turn tracing on.
        var sampler = (environment["OTEL_TRACES_SAMPLER"] as string)?.Trim();
        return string.IsNullOrEmpty(sampler) || sampler == "always_off" ? Off : new TracingSettings(true, null, endpoint);
    }
}
