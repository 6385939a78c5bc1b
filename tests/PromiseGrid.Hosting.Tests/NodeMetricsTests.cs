using System.Collections;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using PromiseGrid.Kernel.Diagnostics;
using Xunit;

namespace PromiseGrid.Hosting.Tests;

/// <summary>
/// Two nodes in one process, each in its own user host (as tests and benchmarks run them): each
/// node's <c>/metrics</c> shows that node's figures only, and the meters are readable in process
/// by a <see cref="MeterListener"/>, as <c>dotnet-counters</c> reads them from outside.
/// </summary>
public sealed class NodeMetricsTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("pg-metrics-").FullName;
    private WebApplication _a = null!;
    private WebApplication _b = null!;
    private HttpClient _httpA = null!;
    private HttpClient _httpB = null!;

    public async Task InitializeAsync()
    {
        _a = BuildHost(Path.Combine(_data, "a"));
        _b = BuildHost(Path.Combine(_data, "b"));
        await _a.StartAsync();
        await _b.StartAsync();
        _httpA = new HttpClient { BaseAddress = new Uri(_a.Urls.First()) };
        _httpB = new HttpClient { BaseAddress = new Uri(_b.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _httpA.Dispose();
        _httpB.Dispose();
        foreach (var app in new[] { _a, _b })
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Directory.Delete(_data, recursive: true);
    }

    private static WebApplication BuildHost(string data)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAkka("promisegrid", (akka, _) => akka.WithPromiseGrid(o =>
        {
            o.Environment = new Hashtable(); // the test's settings only, whatever PG_* the machine has
            o.Port = 0;
            o.Modules = ["echo"];
            o.DataFolder = data;
            o.LogLevel = "WARNING";
        }));
        var app = builder.Build();
        app.MapPromiseGrid();
        return app;
    }

    /// <summary>Waits for the node to be ready and returns its address.</summary>
    private static async Task<string> WaitHealthyAsync(HttpClient http)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            using var health = await http.GetAsync("/health", timeout.Token);
            if (health.IsSuccessStatusCode)
                return (await health.Content.ReadFromJsonAsync<JsonElement>(timeout.Token)).GetProperty("node").GetString()!;
            await Task.Delay(50, timeout.Token);
        }
    }

    [Fact]
    public async Task Each_nodes_metrics_show_that_nodes_figures_only()
    {
        var addressA = await WaitHealthyAsync(_httpA);
        var addressB = await WaitHealthyAsync(_httpB);

        for (var i = 0; i < 3; i++)
            (await _httpA.PostAsync("/complete", new ByteArrayContent("echo/a"u8.ToArray()))).Dispose();
        var a = await _httpA.GetStringAsync("/metrics");
        var b = await _httpB.GetStringAsync("/metrics");

        Assert.Equal(3, Sample(a, "promisegrid_gateway_completions_total", "status=\"Completed\""));
        Assert.Equal(0, Sample(b, "promisegrid_gateway_completions_total", "status=\"Completed\""));
        Assert.Equal(3, Sample(a, "promisegrid_promises_kept_total", $"provider=\"echo@{addressA}\"", "prefix=\"echo/\""));
        Assert.Equal(0, Sample(b, "promisegrid_promises_kept_total", $"provider=\"echo@{addressB}\"", "prefix=\"echo/\""));
        Assert.DoesNotContain(addressB, a);
        Assert.DoesNotContain(addressA, b);
        Assert.Equal(1, Sample(a, "promisegrid_cluster_members"));
        Assert.Equal(1, Sample(b, "promisegrid_cluster_members"));
    }

    [Fact]
    public async Task A_meter_listener_reads_one_nodes_instruments_by_meter_name()
    {
        await WaitHealthyAsync(_httpA);
        await WaitHealthyAsync(_httpB);
        var nodeA = _a.Services.GetRequiredService<ActorSystem>();
        long completed = 0;
        long routes = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (GridMeters.All.Contains(instrument.Meter.Name) && ReferenceEquals(instrument.Meter.Scope, nodeA))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "promisegrid_gateway_completions" && tags.ToArray().Contains(new("status", "Completed")))
                Interlocked.Add(ref completed, value);
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            if (instrument.Name == "promisegrid_routes") Interlocked.Exchange(ref routes, value);
        });
        listener.Start();

        (await _httpA.PostAsync("/complete", new ByteArrayContent("echo/listened"u8.ToArray()))).Dispose();
        (await _httpB.PostAsync("/complete", new ByteArrayContent("echo/elsewhere"u8.ToArray()))).Dispose();
        listener.RecordObservableInstruments();

        Assert.Equal(1, Interlocked.Read(ref completed));
        Assert.True(Interlocked.Read(ref routes) >= 1, $"routes={routes}");
    }

    /// <summary>
    /// The value of the one sample of <paramref name="name"/> whose labels include every one of
    /// <paramref name="labels"/>, in any order; an unlabelled sample may be written <c>name{} value</c> or <c>name value</c>.
    /// </summary>
    private static double Sample(string text, string name, params string[] labels)
    {
        var line = text.Split('\n').Single(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            && labels.All(label => l.Contains(label, StringComparison.Ordinal)));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
