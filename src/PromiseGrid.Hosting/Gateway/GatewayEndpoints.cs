using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Hosting.Node;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>
/// The HTTP contract of a node (README.md#http-gateway; its place in a completion: docs/architecture.md#the-gateway): <c>POST /complete</c>, <c>GET /routes</c>,
/// <c>GET /health</c>, <c>GET /metrics</c>. Errors are <c>application/problem+json</c> with
/// the grid's status word in the <c>grid</c> member and the reason in <c>detail</c>. A request's
/// capability comes in <c>Authorization: Grid &lt;token&gt;[.&lt;proof&gt;]</c> (<see cref="GridAuthorization"/>).
/// With <c>Grid-Stream: 1</c> the completion is written as the module produces it (see <see cref="CompleteStreamed"/>).
/// </summary>
internal static class GatewayEndpoints
{
    public const string DeadlineHeader = "Grid-Deadline";
    public const string ProviderHeader = "Grid-Provider";
    public const string StreamHeader = "Grid-Stream";

    /// <summary>Maps the endpoints; <see cref="PromiseGridEndpoints.MapPromiseGrid"/> is the public way in.</summary>
    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder endpoints)
    {
        var gateway = new GatewayContext(endpoints.ServiceProvider);
        // Cast so the result is written: a bare HttpContext lambda would bind as a RequestDelegate.
        endpoints.MapPost("/complete", (Func<HttpContext, Task<IResult>>)(http => Complete(http, gateway.Node, gateway.Metrics, gateway.Dropped)));
        endpoints.MapGet("/routes", () => Results.Json(gateway.Node.Grid.Routes.Views()));
        endpoints.MapGet("/health", () =>
        {
            var health = gateway.Node.Health();
            return Results.Json(health, statusCode: health.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        // Prometheus text from the node's own exporter (GridTelemetry), made on the first scrape:
        // the node does not exist yet when the endpoints are mapped.
        RequestDelegate? scrape = null;
        endpoints.MapGet("/metrics", http =>
        {
            _ = gateway.Metrics; // the gateway's series are shown from the start, before any request
            return (scrape ??= Scrape(endpoints, gateway.Node.Telemetry.Meters))(http);
        });
        Dashboard.DashboardEndpoints.Map(endpoints, gateway);
        return endpoints;
    }

    private static RequestDelegate Scrape(IEndpointRouteBuilder endpoints, OpenTelemetry.Metrics.MeterProvider meters)
    {
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null);
        return pipeline.Build();
    }

    private static async Task<IResult> Complete(HttpContext http, GridNode node, GatewayMetrics metrics, DroppedRequests dropped)
    {
        var limit = node.Grid.Settings.MaxSequenceBytes;
        // The grid's own size limit answers (413 as problem+json), not the server's generic one,
        // whatever the host set for Kestrel.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = null;
        var request = http.Request;
        if (request.ContentLength > limit)
            return TooLarge(metrics, $"body of {request.ContentLength} bytes is over the limit of {limit} bytes");

        TimeSpan? deadline = null;
        if (request.Headers.TryGetValue(DeadlineHeader, out var header))
        {
            if (!int.TryParse(header, out var ms) || ms <= 0)
                return Problem(StatusCodes.Status400BadRequest, "Bad request", "BadRequest",
                    $"{DeadlineHeader} must be a positive number of milliseconds, got '{header}'");
            deadline = TimeSpan.FromMilliseconds(ms);
        }

        var stream = false;
        if (request.Headers.TryGetValue(StreamHeader, out var streamHeader))
        {
            if (streamHeader != "1" && streamHeader != "0")
                return Problem(StatusCodes.Status400BadRequest, "Bad request", "BadRequest",
                    $"{StreamHeader} must be 1 (stream the completion) or 0, got '{streamHeader}'");
            stream = streamHeader == "1";
        }

        // The caller's capability, or none: a gateway caller never borrows the node's own token.
        if (!GridAuthorization.TryParse(request.Headers.Authorization, out var capability, out var authorizationError))
        {
            metrics.Record(CompletionStatus.Denied, 0, 0, Stopwatch.GetTimestamp());
            return Problem(StatusCodes.Status403Forbidden, "Denied", nameof(CompletionStatus.Denied), authorizationError!);
        }

        Sequence? body;
        try
        {
            body = await ReadBody(request, limit, http.RequestAborted);
        }
        catch (BadHttpRequestException error)
        {
            // Kestrel cut the body off (slower than its minimum data rate, or shorter than
            // announced): the client's fault, counted rather than logged one by one.
            dropped.SlowBody();
            return Problem(error.StatusCode, "Bad request", "BadRequest", error.Message);
        }
        catch (Exception error) when (error is IOException || (error is OperationCanceledException && http.RequestAborted.IsCancellationRequested))
        {
            dropped.Reset();
            return Results.Empty;
        }
        if (body is null)
            return TooLarge(metrics, $"body is over the limit of {limit} bytes");

        if (stream) return await CompleteStreamed(http, node, metrics, body.Value, capability, deadline);

        var started = Stopwatch.GetTimestamp();
        var completion = await node.Grid.CompleteAsync(body.Value, capability, deadline, http.RequestAborted);
        metrics.Record(completion.Status, body.Value.Length, completion.Bytes.Length, started);
        return Answer(http, completion);
    }

    /// <summary>
    /// Writes the completion as it comes: the parts a module sends ahead of it (a GPT's bytes as it
    /// generates them) go out at once, each flushed, and the rest when the completion arrives. A
    /// completion with no parts before it is answered exactly as without streaming, errors included.
    /// Once bytes are out, the status (200) is sent and cannot change: a request that then fails is
    /// cut off (the connection is aborted), so a client never takes a truncated answer for a whole
    /// one. A streamed answer has no <c>Grid-Provider</c> header: it is not known when the first bytes go.
    /// </summary>
    private static async Task<IResult> CompleteStreamed(HttpContext http, GridNode node, GatewayMetrics metrics, Sequence body,
        Kernel.Protocol.Capability? capability, TimeSpan? deadline)
    {
        var parts = Channel.CreateUnbounded<Sequence>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var started = Stopwatch.GetTimestamp();
        var pending = node.Grid.CompleteAsync(body, capability, part => parts.Writer.TryWrite(part), deadline, http.RequestAborted);
        _ = pending.ContinueWith(_ => parts.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var response = http.Response;
        long written = 0;
        await foreach (var part in parts.Reader.ReadAllAsync(http.RequestAborted))
        {
            if (written == 0)
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = "application/octet-stream";
            }
            await response.Body.WriteAsync(part.Memory, http.RequestAborted);
            await response.Body.FlushAsync(http.RequestAborted);
            written += part.Length;
        }
        var completion = await pending;
        metrics.Record(completion.Status, body.Length, completion.Bytes.Length, started);
        if (written == 0) return Answer(http, completion);
        if (completion.Status == CompletionStatus.Completed && completion.Bytes.Length >= written)
        {
            await response.Body.WriteAsync(completion.Bytes.Memory[(int)written..], http.RequestAborted);
            return Results.Empty;
        }
        http.Abort();
        return Results.Empty;
    }

    private static IResult Answer(HttpContext http, Completion completion)
    {
        if (completion.Status == CompletionStatus.Completed)
        {
            http.Response.Headers[ProviderHeader] = completion.Provider;
            return Results.Bytes(completion.Bytes.Memory, "application/octet-stream");
        }
        var (code, title) = StatusMapping.ToHttp(completion.Status);
        return Problem(code, title, completion.Status.ToString(), completion.Reason ?? title, completion.Provider);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is longer.</summary>
    private static async Task<Sequence?> ReadBody(HttpRequest request, int limit, CancellationToken cancellation)
    {
        if (request.ContentLength is { } length)
        {
            var exact = new byte[length];
            await request.Body.ReadExactlyAsync(exact, cancellation);
            return new Sequence(exact);
        }
        // Chunked: read until the end or one byte past the limit.
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var span = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(span, cancellation);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
        return new Sequence(buffer.WrittenMemory);
    }

    private static IResult TooLarge(GatewayMetrics metrics, string detail)
    {
        metrics.RecordTooLarge();
        return Problem(StatusCodes.Status413PayloadTooLarge, "Too large", nameof(CompletionStatus.TooLarge), detail);
    }

    private static IResult Problem(int code, string title, string gridStatus, string detail, string? provider = null)
    {
        var extensions = new Dictionary<string, object?> { ["grid"] = gridStatus };
        if (provider is not null) extensions["provider"] = provider;
        return Results.Problem(detail: detail, statusCode: code, title: title, extensions: extensions);
    }
}
