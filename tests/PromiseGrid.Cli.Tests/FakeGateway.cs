using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PromiseGrid.Cli.Tests;

/// <summary>What the fake gateway received, so tests can check the exact bytes and headers sent.</summary>
public sealed record RecordedRequest(string Method, string Path, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real HTTP server on 127.0.0.1, port 0, that plays the node's gateway (README.md#http-gateway). Each test
/// decides the answer, so the CLI is exercised over real sockets without a node.
/// </summary>
public sealed class FakeGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<RecordedRequest, HttpResponse, Task> _respond;

    private FakeGateway(WebApplication app, Func<RecordedRequest, HttpResponse, Task> respond)
    {
        _app = app;
        _respond = respond;
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public string Url { get; private set; } = "";

    public static async Task<FakeGateway> StartAsync(Func<RecordedRequest, HttpResponse, Task> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var gateway = new FakeGateway(app, respond);
        app.Run(gateway.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel exposes no addresses");
        gateway.Url = addresses.Addresses.Single();
        return gateway;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            body.ToArray(),
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        Requests.Enqueue(request);
        await _respond(request, context.Response);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // Answer helpers, shaped like the real gateway's answers.

    public static async Task Bytes(HttpResponse response, byte[] bytes, string? provider = null)
    {
        response.StatusCode = 200;
        response.ContentType = "application/octet-stream";
        if (provider is not null) response.Headers["Grid-Provider"] = provider;
        await response.Body.WriteAsync(bytes);
    }

    public static Task Problem(HttpResponse response, int status, string grid, string title, string detail) =>
        Text(response, status, "application/problem+json",
            System.Text.Json.JsonSerializer.Serialize(new { type = "about:blank", title, status, detail, grid }));

    public static async Task Text(HttpResponse response, int status, string contentType, string text)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>A loopback port nothing listens on: bound, read, released.</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
