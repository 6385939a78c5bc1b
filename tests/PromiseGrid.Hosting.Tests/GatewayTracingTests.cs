using System.Collections;
using System.Diagnostics;
using System.Net;
using OpenTelemetry.Trace;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Kernel.Tracing;
using Xunit;

namespace PromiseGrid.Hosting.Tests;

/// <summary>
/// Tracing on the stock node's host (NodeHost): the gateway takes a client's <c>traceparent</c>,
/// answers with its own, and the grid's spans (exported in memory) continue the client's trace;
/// off by default; the sampling knob is checked at start.
/// </summary>
public sealed class GatewayTracingTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("pg-tracing-").FullName;
    private readonly List<Activity> _exported = [];
    private WebApplication? _app;

    private NodeSettings Settings(Hashtable environment)
    {
        environment["PG_PORT"] = "0";
        environment["PG_HTTP"] = "http://127.0.0.1:0";
        environment["PG_MODULES"] = "echo";
        environment["PG_DATA"] = _data;
        environment["PG_LOGLEVEL"] = "WARNING";
        return NodeSettings.Load(environment);
    }

    [Fact]
    public async Task The_gateway_continues_the_clients_trace_and_answers_with_its_traceparent()
    {
        _app = NodeHost.Build(Settings(new Hashtable { ["PG_TRACE_SAMPLE"] = "1" }), configureTracing: t => t.AddInMemoryExporter(_exported));
        await _app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        await WaitHealthyAsync(http);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/complete") { Content = new ByteArrayContent("echo/traced"u8.ToArray()) };
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceparent = response.Headers.GetValues("traceparent").Single().Split('-');
        Assert.Equal(traceId, traceparent[1]);
        Assert.NotEqual("00f067aa0ba902b7", traceparent[2]); // the gateway's own span, child of the client's
        await _app.StopAsync(); // flushes the exporter
        var mine = _exported.Where(a => a.TraceId.ToHexString() == traceId).ToList();
        var server = Assert.Single(mine, a => a.Kind == ActivityKind.Server && a.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(traceparent[2], server.SpanId.ToHexString());
        var client = Assert.Single(mine, a => a.Source.Name == GridActivitySources.Client);
        Assert.Equal(server.SpanId, client.ParentSpanId);
        var route = Assert.Single(mine, a => a.Source.Name == GridActivitySources.Router);
        Assert.Equal(client.SpanId, route.ParentSpanId);
        var serve = Assert.Single(mine, a => a.Source.Name == GridActivitySources.Module);
        Assert.Equal(route.SpanId, serve.ParentSpanId);
    }

    [Fact]
    public async Task Tracing_is_off_by_default_and_the_gateway_then_sends_no_traceparent()
    {
        var settings = Settings(new Hashtable());
        Assert.False(settings.Tracing.Enabled);
        _app = NodeHost.Build(settings);
        await _app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        await WaitHealthyAsync(http);

        using var response = await http.PostAsync("/complete", new ByteArrayContent("echo/x"u8.ToArray()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("traceparent"));
        Assert.False(new ActivitySource(GridActivitySources.Client).HasListeners());
    }

    [Theory]
    [InlineData("2")]
    [InlineData("-0.1")]
    [InlineData("half")]
    public void A_bad_sample_share_stops_the_node_naming_the_knob(string value)
    {
        var error = Assert.Throws<NodeConfigurationException>(() => Settings(new Hashtable { ["PG_TRACE_SAMPLE"] = value }));

        Assert.Contains("PG_TRACE_SAMPLE (promisegrid.tracing.sample)", error.Message);
    }

    [Fact]
    public void OpenTelemetrys_sampler_variable_turns_tracing_on_and_its_endpoint_turns_on_export()
    {
        var settings = Settings(new Hashtable { ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio", ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318" });

        Assert.Equal(new Telemetry.TracingSettings(true, null, "http://127.0.0.1:4318"), settings.Tracing);
        Assert.False(Settings(new Hashtable { ["OTEL_TRACES_SAMPLER"] = "always_off" }).Tracing.Enabled);
        Assert.Equal(0.25, Settings(new Hashtable { ["PG_TRACE_SAMPLE"] = "0.25" }).Tracing.Ratio);
    }

    private static async Task WaitHealthyAsync(HttpClient http)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            using var health = await http.GetAsync("/health", timeout.Token);
            if (health.IsSuccessStatusCode) return;
            await Task.Delay(50, timeout.Token);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // The host's services hold the tracer provider: disposed here, so no listener outlives its test.
    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_data, recursive: true);
    }
}
