using System.Net.Http.Headers;
using System.Net.Sockets;
using PromiseGrid.Core;
using PromiseGrid.Cli.Output;

namespace PromiseGrid.Cli.Gateway;

/// <summary>
/// The node's HTTP gateway (README.md#http-gateway) as <c>pgrid</c> needs it. Every failure leaves here as a
/// <see cref="CliException"/> whose message is already the one line the user will see, so the
/// commands stay free of HTTP details.
/// </summary>
public sealed class GatewayClient : IDisposable
{
    /// <summary>The deadline the grid applies when the request names none (promisegrid.default-deadline in src/PromiseGrid.Kernel/reference.conf: 5 s).</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Added to the deadline for the whole HTTP exchange: the gateway answers 504 itself once the
    /// deadline passes, so the client only gives up when the node has gone quiet for much longer.
    /// </summary>
    public static readonly TimeSpan TimeoutMargin = TimeSpan.FromSeconds(25);

    /// <summary>The request header that carries the deadline in milliseconds.</summary>
    public const string DeadlineHeader = "Grid-Deadline";

    /// <summary>The response header that names the provider that kept the promise.</summary>
    public const string ProviderHeader = "Grid-Provider";

    /// <summary>Asks the node to write the completion as it is produced.</summary>
    public const string StreamHeader = "Grid-Stream";

    private readonly HttpClient _http;
    private readonly GatewayTarget _target;
    private readonly TimeSpan _timeout;

    public GatewayClient(GatewayTarget target, TimeSpan? deadline = null)
    {
        _target = target;
        _timeout = (deadline ?? DefaultDeadline) + TimeoutMargin;
        var handler = new SocketsHttpHandler
        {
            // A host that drops packets should fail within the timeout, not the OS's minutes.
            ConnectTimeout = _timeout,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        target.Apply(handler);
        _http = new HttpClient(handler) { BaseAddress = target.Node, Timeout = _timeout };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("pgrid", ThisAssembly.Version));
    }

    /// <summary>The node as the user wrote it, for messages.</summary>
    public string NodeDisplay => _target.Display;

    /// <summary>
    /// <c>POST /complete</c>. The completion is read whole before it is returned so that a
    /// connection lost half-way yields an error and no partial output on stdout.
    /// </summary>
    /// <param name="authorization">The value of the <c>Authorization</c> header (<c>Grid &lt;token&gt;[.&lt;proof&gt;]</c>), or null.</param>
    public async Task<CompletionResult> CompleteAsync(Sequence sequence, int? deadlineMs, CancellationToken cancellationToken, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "complete")
        {
            Content = new ReadOnlyMemoryContent(sequence.Memory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (deadlineMs is { } ms)
            request.Headers.Add(DeadlineHeader, ms.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var (status, body, response) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (status != 200) throw Problem.ToException(status, response.ReasonPhrase, body);
            var provider = response.Headers.TryGetValues(ProviderHeader, out var values) ? string.Join(",", values) : null;
            return new CompletionResult(body, provider);
        }
    }

    /// <summary>
    /// <c>POST /complete</c> with <c>Grid-Stream: 1</c>: copies the completion to
    /// <paramref name="output"/> as the node writes it (a module that streams, e.g. <c>gpt/</c>,
    /// sends bytes while it produces them). Errors before the first byte are the usual problem
    /// answers; a request that fails after bytes went out is cut off by the node, which is
    /// reported as a <see cref="GatewayException"/> naming how many bytes arrived.
    /// </summary>
    /// <returns>The provider when the node named one (not for a completion that was streamed), and the bytes written.</returns>
    public async Task<(string? Provider, long Bytes)> CompleteStreamingAsync(Sequence sequence, int? deadlineMs, Stream output,
        CancellationToken cancellationToken, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "complete")
        {
            Content = new ReadOnlyMemoryContent(sequence.Memory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add(StreamHeader, "1");
        if (deadlineMs is { } ms)
            request.Headers.Add(DeadlineHeader, ms.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new NodeUnreachableException($"cannot reach node {NodeDisplay}: {Reason(e)}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NodeUnreachableException($"node {NodeDisplay} did not answer within {_timeout.TotalSeconds:0.#} s", e);
        }
        using (response)
        {
            if ((int)response.StatusCode != 200)
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                throw Problem.ToException((int)response.StatusCode, response.ReasonPhrase, body);
            }
            var provider = response.Headers.TryGetValues(ProviderHeader, out var values) ? string.Join(",", values) : null;
            await using var content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[4096];
            long total = 0;
            while (true)
            {
                int read;
                try
                {
                    read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new GatewayException(
                        $"the completion was cut off after {total} bytes: the request failed after the node began streaming it ({OneLine.Of(e.Message)})",
                        httpStatus: 200);
                }
                if (read == 0) return (provider, total);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                total += read;
            }
        }
    }

    /// <summary><c>GET /routes</c>: the JSON exactly as the node sent it.</summary>
    public async Task<byte[]> GetRoutesJsonAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "routes");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (status, body, response) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (status != 200) throw Problem.ToException(status, response.ReasonPhrase, body);
            return body;
        }
    }

    /// <summary>
    /// <c>GET /health</c>. Any HTTP answer is returned, not thrown: a 503 is the node telling why it is
    /// not ready, which is exactly what <c>pgrid status</c> wants to show.
    /// </summary>
    public async Task<HealthResponse> GetHealthAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "health");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (status, body, response) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        using (response)
            return new HealthResponse(status, response.ReasonPhrase, body);
    }

    private async Task<(int Status, byte[] Body, HttpResponseMessage Response)> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return ((int)response.StatusCode, body, response);
        }
        catch (HttpRequestException e)
        {
            response?.Dispose();
            throw new NodeUnreachableException($"cannot reach node {NodeDisplay}: {Reason(e)}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient reports its own timeout as a cancellation; the caller did not cancel.
            response?.Dispose();
            throw new NodeUnreachableException(
                $"node {NodeDisplay} did not answer within {_timeout.TotalSeconds:0.#} s", e);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The most specific reason: the socket error ("Connection refused") reads better than
    /// HttpClient's wrapper text, which repeats the address already in the message.
    /// </summary>
    private static string Reason(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket) return OneLine.Of(socket.Message);
        }
        var innermost = e.GetBaseException();
        return OneLine.Of(innermost.Message);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A kept promise: the completion bytes and the provider that kept it (if the node said).</summary>
public sealed record CompletionResult(byte[] Bytes, string? Provider);

/// <summary>The node's answer to <c>GET /health</c>, whatever its status.</summary>
public sealed record HealthResponse(int HttpStatus, string? ReasonPhrase, byte[] Body)
{
    public bool IsReady => HttpStatus == 200;
}
