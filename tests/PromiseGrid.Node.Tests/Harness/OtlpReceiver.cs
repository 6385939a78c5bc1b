using System.Collections.Concurrent;
using System.Net;

namespace PromiseGrid.Node.Tests.Harness;

/// <summary>
/// An OTLP/HTTP receiver in the test (a real HTTP listener on a loopback port): keeps every
/// post's path (<c>/v1/metrics</c>, <c>/v1/traces</c>) and protobuf body, answers 200.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();

    public OtlpReceiver()
    {
        var port = Ports.Closed();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add($"{Endpoint}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>For OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public string Endpoint { get; }

    public ConcurrentQueue<(string Path, byte[] Body)> Posts { get; } = new();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Posts.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
