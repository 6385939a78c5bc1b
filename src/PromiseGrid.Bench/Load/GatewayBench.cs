using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PromiseGrid.Hosting;
using PromiseGrid.Hosting.Configuration;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// One node with its real gateway on loopback. Grid: keep-alive HTTP POST /complete with
/// <c>echo/</c> + payload. Baseline: a bare Kestrel endpoint in the same web application that
/// reads the same body and returns the same bytes. The load comes from HttpClient loops in
/// the same process, the same for both.
/// </summary>
public static class GatewayBench
{
    public static async Task<IReadOnlyList<LoadFigure>> RunAsync(LoadOptions options)
    {
        var data = Directory.CreateTempSubdirectory("pg-bench-").FullName;
        var settings = NodeSettings.Load(new Dictionary<string, string>
        {
            ["PG_PORT"] = "0",
            ["PG_HTTP"] = "http://127.0.0.1:0",
            ["PG_MODULES"] = "echo",
            ["PG_LOGLEVEL"] = "WARNING",
            ["PG_DATA"] = data,
        });
        var app = NodeHost.Build(settings, web => web.MapPost("/bare", async (HttpContext http) =>
        {
            var body = new byte[http.Request.ContentLength ?? 0];
            await http.Request.Body.ReadExactlyAsync(body);
            http.Response.ContentType = "application/octet-stream";
            await http.Response.Body.WriteAsync(body.AsMemory(5));
        }));
        try
        {
            await app.StartAsync();
            var node = app.Node();
            var baseUrl = new Uri(app.Urls.First());
            while (!node.Health().Ready) await Task.Delay(20);
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, UseProxy = false });
            byte[] body = [.. "echo/"u8, .. options.Payload()];
            return await BenchSetup.AlternateAsync("gateway", options,
                "bare kestrel", (warmup, window) => RoundAsync(options.Concurrency, warmup, window, client, new Uri(baseUrl, "/bare"), body),
                "grid gateway", (warmup, window) => RoundAsync(options.Concurrency, warmup, window, client, new Uri(baseUrl, "/complete"), body));
        }
        finally
        {
            await app.StopAsync(); // runs the node's CoordinatedShutdown too
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<LoadMeter> RoundAsync(int concurrency, TimeSpan warmup, TimeSpan window, HttpClient client, Uri url, byte[] body)
    {
        var meter = new LoadMeter();
        var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!meter.Stopped)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync(url, new ByteArrayContent(body));
                var bytes = await response.Content.ReadAsByteArrayAsync();
                meter.Record(started, response.StatusCode == HttpStatusCode.OK && bytes.Length == body.Length - 5);
            }
        })).ToList();
        await meter.RunAsync(warmup, window);
        await Task.WhenAll(loops);
        return meter;
    }
}
