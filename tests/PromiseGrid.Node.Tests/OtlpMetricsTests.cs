using System.Text;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set: a real node pushes its meters over OTLP (HTTP/protobuf)
/// to a receiver in the test, with the standard <c>OTEL_*</c> variables.
/// </summary>
public sealed class OtlpMetricsTests
{
    [Fact]
    public async Task A_node_with_an_otlp_endpoint_pushes_its_metrics_there()
    {
        using var receiver = new OtlpReceiver();

        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
        (await node.CompleteAsync("echo/pushed"u8.ToArray())).Dispose();

        await Poll.UntilAsync(() => Task.FromResult(receiver.Posts.Any(r => r.Path == "/v1/metrics"
                // Protobuf keeps strings as UTF-8 bytes: instrument names are readable in the body.
                && Encoding.UTF8.GetString(r.Body) is var body
                && body.Contains("promisegrid_gateway_completions", StringComparison.Ordinal)
                && body.Contains("promisegrid_promises_kept", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(120), () => $"no OTLP metrics with the grid's instruments; received {receiver.Posts.Count} posts to {string.Join(",", receiver.Posts.Select(r => r.Path).Distinct())}. Log:\n{node.Log}");
    }
}
