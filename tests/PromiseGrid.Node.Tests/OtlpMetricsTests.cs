using System.Collections.Concurrent;
using System.Net;
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
        var port = Ports.Closed();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var received = new ConcurrentQueue<(string Path, string Body)>();
        _ = Task.Run(async () =>
        {
            while (receiver.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await receiver.GetContextAsync();
                }
                catch (Exception error) when (error is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                // Protobuf keeps strings as UTF-8 bytes: instrument names are readable in the body.
                received.Enqueue((context.Request.Url!.AbsolutePath, Encoding.UTF8.GetString(body.ToArray())));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
        (await node.CompleteAsync("echo/pushed"u8.ToArray())).Dispose();

        await Poll.UntilAsync(() => Task.FromResult(received.Any(r => r.Path == "/v1/metrics"
                && r.Body.Contains("promisegrid_gateway_completions", StringComparison.Ordinal)
                && r.Body.Contains("promisegrid_promises_kept", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(120), () => $"no OTLP metrics with the grid's instruments; received {received.Count} posts to {string.Join(",", received.Select(r => r.Path).Distinct())}. Log:\n{node.Log}");
        receiver.Stop();
    }
}
