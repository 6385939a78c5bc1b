using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PromiseGrid.Node.Tests.Harness;

/// <summary>
/// A real node process (<c>dotnet PromiseGrid.Node.dll</c>) on free ports, with its log lines
/// captured. <see cref="StartAsync"/> returns once the gateway answers <c>/health</c> with 200.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource<string> _gatewayUrl = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _remotingAddress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process, HttpMessageHandler? handler)
    {
        _process = process;
        Http = new HttpClient(handler ?? new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Gateway { get; private set; } = null!;

    /// <summary>Talks to the gateway: plain, or through the handler the node was started with (an https gateway's trust).</summary>
    public HttpClient Http { get; }
    public string DataFolder { get; private set; } = "";

    /// <summary>The node's Akka address as it logged it at start (<c>node starting address=...</c>), e.g. to name it as a seed.</summary>
    public string RemotingAddress => _remotingAddress.Task.IsCompletedSuccessfully
        ? _remotingAddress.Task.Result
        : throw new InvalidOperationException($"the node has not logged its address yet. Log:\n{Log}");

    public IReadOnlyCollection<string> Lines => _lines;
    public string Log => string.Join('\n', _lines);
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts a node; <paramref name="environment"/> adds to or overrides the test defaults.</summary>
    public static NodeProcess Launch(IDictionary<string, string>? environment = null, params string[] args) =>
        Launch(null, environment, args);

    /// <summary>As <see cref="Launch(IDictionary{string, string}?, string[])"/>, with <paramref name="handler"/> for <see cref="Http"/>.</summary>
    public static NodeProcess Launch(HttpMessageHandler? handler, IDictionary<string, string>? environment, params string[] args)
    {
        var data = Directory.CreateTempSubdirectory("pg-node-").FullName;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data,
        };
        info.ArgumentList.Add(RepoPaths.NodeDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["PG_PORT"] = "0";
        info.Environment["PG_HTTP"] = "http://127.0.0.1:0";
        info.Environment["PG_DATA"] = Path.Combine(data, "data");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        var node = new NodeProcess(Process.Start(info)!, handler) { DataFolder = data };
        node._process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    public static Task<NodeProcess> StartAsync(IDictionary<string, string>? environment = null, params string[] args) =>
        StartAsync(null, environment, args);

    /// <summary>As <see cref="StartAsync(IDictionary{string, string}?, string[])"/>, with <paramref name="handler"/> for <see cref="Http"/>.</summary>
    public static async Task<NodeProcess> StartAsync(HttpMessageHandler? handler, IDictionary<string, string>? environment, params string[] args)
    {
        var node = Launch(handler, environment, args);
        try
        {
            await node.WaitReadyAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        var match = GatewayLine().Match(line);
        if (match.Success) _gatewayUrl.TrySetResult(match.Groups[1].Value);
        var address = StartingLine().Match(line);
        if (address.Success) _remotingAddress.TrySetResult(address.Groups[1].Value);
    }

    /// <summary>
    /// Waits until the gateway listens (and sets <see cref="Gateway"/>), not until the node is
    /// healthy: for nodes expected to stay unhealthy, e.g. ones that cannot join.
    /// </summary>
    public async Task WaitForGatewayAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_gatewayUrl.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _gatewayUrl.Task)
            throw new InvalidOperationException($"node did not start its gateway (exited: {_process.HasExited}). Log:\n{Log}");
        Gateway = new Uri(await _gatewayUrl.Task);
    }

    private async Task WaitReadyAsync()
    {
        await WaitForGatewayAsync();
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await Http.GetAsync(new Uri(Gateway, "/health"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), () => $"node at {Gateway} never became healthy. Log:\n{Log}");
    }

    /// <summary>POSTs raw bytes to <c>/complete</c>.</summary>
    public Task<HttpResponseMessage> CompleteAsync(byte[] body, int? deadlineMs = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway, "/complete")) { Content = new ByteArrayContent(body) };
        if (deadlineMs is { } ms) request.Headers.Add("Grid-Deadline", ms.ToString());
        return Http.SendAsync(request);
    }

    /// <summary>Sends SIGTERM, as docker stop and Ctrl-C do, and waits for the process to end.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
            await kill.WaitForExitAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>
    /// Sends a signal by name (kill -STOP freezes the process as a partition would: no heartbeats
    /// in or out; kill -CONT lets it run on).
    /// </summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {_process.Id} exited {kill.ExitCode}");
    }

    /// <summary>Waits until the process ends by itself (for nodes expected to refuse to start).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    // The value ends at a space or a quote: text lines and JSON lines (PG_LOGFORMAT=json) alike.
    [GeneratedRegex(@"gateway listening url=([^\s""]+)")]
    private static partial Regex GatewayLine();

    [GeneratedRegex(@"node starting address=([^\s""]+)")]
    private static partial Regex StartingLine();
}
