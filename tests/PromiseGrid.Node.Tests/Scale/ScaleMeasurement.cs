using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests.Scale;

/// <summary>
/// The twelve-node grid of <see cref="ScaleTopology"/>, started at once by deploy/compose-netns
/// (real node processes, each in its own network namespace, mutual TLS between them), and the
/// measurements made on it, each into <see cref="Report"/>. The nodes measured are the ones
/// compose-netns reports running after <c>up --scale worker=9</c>. Needs root.
/// </summary>
public sealed class ScaleMeasurement : IAsyncDisposable
{
    // Polls are requests too: eleven nodes polled every 20 ms is 550 requests/s on the
    // machine under measurement, which is as much as it should carry for a 20 ms resolution.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan SlowPollInterval = TimeSpan.FromMilliseconds(500);

    private readonly ScaleOptions _options;
    private readonly Action<string> _log;
    // The node killed and started again: the last worker replica.
    private readonly string _victim;

    private ScaleMeasurement(ComposeCluster cluster, ScaleOptions options, Action<string> log, IReadOnlyList<string> services, string victim,
        double loadBefore)
    {
        Cluster = cluster;
        _options = options;
        _log = log;
        Services = services;
        _victim = victim;
        Report = new ScaleReport
        {
            Nodes = services.Count,
            Started = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'"),
            LoadAverageBefore = loadBefore,
        };
    }

    public ComposeCluster Cluster { get; }

    public ScaleReport Report { get; }

    /// <summary>Every node compose-netns started, in the compose file's order (seeds, then the workers).</summary>
    private IReadOnlyList<string> Services { get; }

    /// <summary>Starts all twelve nodes at once and waits until each sees all twelve Up (<see cref="ScaleReport.AllUpSeconds"/>).</summary>
    public static async Task<ScaleMeasurement> StartAsync(ScaleOptions options, Action<string> log)
    {
        var loadBefore = NodeProcessStats.LoadAverage();
        var cluster = await ScaleTopology.StartAsync();
        ScaleMeasurement? measurement = null;
        try
        {
            var running = await cluster.StatusAsync();
            var workers = running.Where(s => s.ComposeService == ScaleTopology.WorkerService).Select(s => s.Service).ToList();
            if (workers.Count != ScaleTopology.WorkerReplicas)
                throw new InvalidOperationException($"compose-netns reports {workers.Count} replicas of {ScaleTopology.WorkerService} " +
                    $"after --scale {ScaleTopology.WorkerService}={ScaleTopology.WorkerReplicas}: {string.Join(", ", running.Select(s => s.Service))}");
            log($"compose-netns started {running.Count} nodes: {string.Join(", ", running.Select(s => $"{s.Service} {s.Address} pid {s.Pid}"))}");
            measurement = new ScaleMeasurement(cluster, options, log, [.. running.Select(s => s.Service)], workers[^1], loadBefore);
            await measurement.WaitAllUpAsync();
            return measurement;
        }
        catch
        {
            if (measurement is null) await cluster.DisposeAsync();
            else await measurement.DisposeAsync();
            throw;
        }
    }

    private async Task WaitAllUpAsync()
    {
        var pids = (await Cluster.StatusAsync()).ToDictionary(s => s.Service, s => s.Pid ?? throw new InvalidOperationException($"{s.Service} did not start"));
        var start = pids.Values.Min(pid => NodeProcessStats.Read(pid).StartedSecondsAfterBoot);
        var converged = new Dictionary<string, double>();
        var deadline = Stopwatch.StartNew();
        while (converged.Count < Services.Count)
        {
            foreach (var service in Services.Where(s => !converged.ContainsKey(s)))
            {
                if (!Report.HealthySeconds.ContainsKey(service))
                {
                    if (await HealthAsync(service) != HttpStatusCode.OK) continue;
                    Report.HealthySeconds[service] = NodeProcessStats.SecondsSinceBoot() - start;
                }
                if (await UpMembersAsync(service) == Services.Count)
                    converged[service] = NodeProcessStats.SecondsSinceBoot() - start;
            }
            if (converged.Count == Services.Count) break;
            if (deadline.Elapsed > _options.UpTimeout)
            {
                var missing = Services.Where(s => !converged.ContainsKey(s)).ToList();
                var logs = new StringBuilder();
                foreach (var service in missing.Take(3))
                    logs.Append($"\n--- {service} (last 40 lines)\n").Append(string.Join('\n', (await Cluster.LogOf(service)).Split('\n').TakeLast(40)));
                throw new TimeoutException($"not every node saw all {Services.Count} Up within {_options.UpTimeout.TotalSeconds:0} s: " +
                    $"not converged: {string.Join(", ", missing)}; healthy: {string.Join(", ", Report.HealthySeconds.Keys)}{logs}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        Report.AllUpSeconds = converged.Values.Max();
        _log($"all {Services.Count} Up after {Report.AllUpSeconds:0.0} s");
    }

    /// <summary>RSS and CPU of every node over <see cref="ScaleOptions.IdleSeconds"/> with no request anywhere.</summary>
    public async Task MeasureIdleAsync()
    {
        var pids = await PidsAsync();
        var before = pids.ToDictionary(p => p.Key, p => NodeProcessStats.Read(p.Value));
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(_options.IdleSeconds));
        var seconds = clock.Elapsed.TotalSeconds;
        foreach (var (service, pid) in pids)
        {
            var after = NodeProcessStats.Read(pid);
            Report.IdleCpuPercent[service] = 100 * (after.CpuSeconds - before[service].CpuSeconds) / seconds;
            Report.IdleRssBytes[service] = after.RssBytes;
        }
        _log($"idle: CPU {string.Join(", ", Report.IdleCpuPercent.Select(c => $"{c.Key} {c.Value:0.0}%"))}");
    }

    /// <summary>Registers <paramref name="count"/> routes one at a time, round the nodes, each timed until all others serve it.</summary>
    public async Task MeasureRouteUsableAsync(string tag, int count, List<double> into)
    {
        // One route not counted: the first requests open the HTTP connections.
        await RegisterAndWaitAsync(Services[0], $"{tag}warm");
        for (var k = 0; k < count; k++)
        {
            var origin = Services[k % Services.Count];
            into.Add((await RegisterAndWaitAsync(origin, $"{tag}{k}")).TotalMilliseconds);
        }
        _log($"{tag}: {count} routes, p50 {ScaleReport.Percentile(into, 50):0} ms, p99 {ScaleReport.Percentile(into, 99):0} ms");
    }

    private async Task<TimeSpan> RegisterAndWaitAsync(string origin, string name)
    {
        var clock = Stopwatch.StartNew();
        await ExpectOkAsync(origin, $"routes/add/{name}");
        var others = Services.Where(s => s != origin && IsRunning(s));
        var times = await Task.WhenAll(others.Select(service => UntilStatusAsync(service, $"{name}/x", HttpStatusCode.OK, clock, _options.RouteTimeout)));
        return times.Max();
    }

    /// <summary>Registers <see cref="ScaleOptions.BulkRoutesPerNode"/> routes on every node at once and waits until every node serves all of them.</summary>
    public async Task RegisterBulkAsync()
    {
        var count = _options.BulkRoutesPerNode;
        Report.BulkRoutesPerNode = count;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Services.Select(origin => ExpectOkAsync(origin, $"routes/bulk/b{origin}/{count}")));
        // A node publishes its routes as one entry of the replicated table, so the last prefix
        // arriving means the whole entry did; check the first too, to be sure.
        // One poller per node, every half second, one prefix at a time: the bulk takes seconds,
        // and polling faster would only load the machine that does the work.
        await Task.WhenAll(Services.Select(async service =>
        {
            foreach (var origin in Services)
                foreach (var index in new[] { count - 1, 0 })
                    await UntilStatusAsync(service, $"b{origin}/{index}/x", HttpStatusCode.OK, clock, _options.BulkTimeout, SlowPollInterval);
        }));
        Report.BulkUsableSeconds = clock.Elapsed.TotalSeconds;
        foreach (var (service, pid) in await PidsAsync())
            Report.BulkRssBytes[service] = NodeProcessStats.Read(pid).RssBytes;
        _log($"bulk: {count} routes on each of {Services.Count} nodes usable everywhere after {Report.BulkUsableSeconds:0.0} s");
    }

    /// <summary>
    /// Every gateway at once, <see cref="ScaleOptions.LoadConcurrencyPerGateway"/> closed-loop
    /// requesters each, every request to a route served by the next node (so it crosses nodes).
    /// </summary>
    public async Task MeasureLoadAsync()
    {
        for (var i = 0; i < Services.Count; i++) await RegisterAndWaitAsync(Services[i], $"load{i}");
        var warmUp = TimeSpan.FromSeconds(_options.LoadSeconds / 5);
        var end = warmUp + TimeSpan.FromSeconds(_options.LoadSeconds);
        long completed = 0, failed = 0;
        var clock = Stopwatch.StartNew();
        var requesters = new List<Task>();
        for (var i = 0; i < Services.Count; i++)
        {
            var gateway = new Uri(Cluster.GatewayOf(Services[i]), "/complete");
            var body = Encoding.UTF8.GetBytes($"load{(i + 1) % Services.Count}/x");
            for (var c = 0; c < _options.LoadConcurrencyPerGateway; c++)
                requesters.Add(Task.Run(async () =>
                {
                    while (clock.Elapsed < end)
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, gateway) { Content = new ByteArrayContent(body) };
                        request.Headers.Add("Grid-Deadline", "10000");
                        bool ok;
                        try
                        {
                            using var response = await Cluster.Http.SendAsync(request);
                            ok = response.StatusCode == HttpStatusCode.OK;
                        }
                        catch (HttpRequestException)
                        {
                            ok = false;
                        }
                        var at = clock.Elapsed;
                        if (at < warmUp || at > end) continue;
                        Interlocked.Increment(ref ok ? ref completed : ref failed);
                    }
                }));
        }
        await Task.WhenAll(requesters);
        Report.LoadRequesters = requesters.Count;
        Report.LoadCompleted = completed;
        Report.LoadFailed = failed;
        Report.LoadCompletionsPerSecond = completed / _options.LoadSeconds;
        _log($"load: {Report.LoadCompletionsPerSecond:0} completions/s, {failed} failed");
    }

    /// <summary>SIGKILLs a worker that serves a route of its own and times until every other node stops routing to it, then until it is removed.</summary>
    public async Task MeasureKillAsync()
    {
        await RegisterAndWaitAsync(_victim, "victim");
        var pid = Cluster.InfoOf(_victim).Pid ?? throw new InvalidOperationException($"{_victim} is not running");
        // A replica advertises its own address (compose-netns sets PG_HOST to it, as the worker's entrypoint does in Docker).
        var victimAddress = $"akka.ssl.tcp://promisegrid@{Cluster.InfoOf(_victim).Address}:4053";
        var clock = Stopwatch.StartNew();
        using (var process = Process.GetProcessById(pid)) process.Kill(); // SIGKILL on Linux
        _killed = _victim;
        var others = Services.Where(s => s != _victim).ToList();
        var outOfUse = await Task.WhenAll(others.Select(s => UntilStatusAsync(s, "victim/x", HttpStatusCode.NotFound, clock, _options.RouteTimeout)));
        Report.KilledOutOfUseSeconds = outOfUse.Max().TotalSeconds;
        var removed = await Task.WhenAll(others.Select(s => UntilAsync(async () => !(await MembersAsync(s)).Any(m => m.Address == victimAddress), clock, _options.RouteTimeout, $"{s} still lists {_victim}")));
        Report.KilledRemovedSeconds = removed.Max().TotalSeconds;
        _log($"kill: routes out of use after {Report.KilledOutOfUseSeconds:0.0} s, removed after {Report.KilledRemovedSeconds:0.0} s");
    }

    /// <summary>Starts the killed node again and waits until every node sees all twelve Up.</summary>
    public async Task RestartKilledAsync()
    {
        if (_killed is null) return;
        await Cluster.StartAsync(_killed);
        _killed = null;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Services.Select(s => UntilAsync(async () => await UpMembersAsync(s) == Services.Count, clock, _options.UpTimeout, $"{s} does not see all Up")));
    }

    private string? _killed;

    private bool IsRunning(string service) => service != _killed;

    /// <summary>Whether the node process compose-netns last reported for <paramref name="service"/> still exists.</summary>
    private bool IsAlive(string service) => Cluster.InfoOf(service).Pid is { } pid && Directory.Exists($"/proc/{pid}");

    private async Task<Dictionary<string, int>> PidsAsync() =>
        (await Cluster.StatusAsync()).Where(s => s.Alive && s.Pid is not null).ToDictionary(s => s.Service, s => s.Pid!.Value);

    private async Task<HttpStatusCode?> HealthAsync(string service)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await Cluster.Http.GetAsync(new Uri(Cluster.GatewayOf(service), "/health"), cancel.Token);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    private sealed record Member(string Address, string Status, bool Reachable);

    private async Task<List<Member>> MembersAsync(string service)
    {
        var (status, text) = await CompleteAsync(service, "sys/members", 5000);
        if (status != HttpStatusCode.OK) return [];
        using var json = JsonDocument.Parse(text);
        return [.. json.RootElement.EnumerateArray().Select(m => new Member(
            m.GetProperty("address").GetString()!, m.GetProperty("status").GetString()!, m.GetProperty("reachable").GetBoolean()))];
    }

    private async Task<int> UpMembersAsync(string service) =>
        (await MembersAsync(service)).Count(m => m.Status == "Up" && m.Reachable);

    private async Task<(HttpStatusCode? Status, string Text)> CompleteAsync(string service, string sequence, int deadlineMs)
    {
        try
        {
            using var response = await Cluster.CompleteAsync(service, Encoding.UTF8.GetBytes(sequence), deadlineMs);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, e.Message);
        }
    }

    private async Task ExpectOkAsync(string service, string sequence)
    {
        var (status, text) = await CompleteAsync(service, sequence, 30_000);
        if (status != HttpStatusCode.OK)
            throw new InvalidOperationException($"{sequence} through {service} answered {status?.ToString() ?? "nothing"}: {text}");
    }

    /// <summary>Polls <paramref name="sequence"/> through <paramref name="service"/> until it answers <paramref name="wanted"/>; returns the clock then.</summary>
    private Task<TimeSpan> UntilStatusAsync(string service, string sequence, HttpStatusCode wanted, Stopwatch clock, TimeSpan timeout, TimeSpan? interval = null)
    {
        HttpStatusCode? last = null;
        string lastText = "";
        return UntilAsync(async () =>
        {
            // A short deadline: a request routed to a node that just died waits no longer than this.
            (last, lastText) = await CompleteAsync(service, sequence, 250);
            // No answer from a node whose process is gone (e.g. downed by the cluster, exit 4):
            // fail now with its last words rather than poll a dead gateway until the timeout.
            if (last is null && !IsAlive(service))
            {
                var log = (await Cluster.LogOf(service)).TrimEnd().Split('\n');
                throw new InvalidOperationException($"{service} exited while polling {sequence}; last lines of its log:\n{string.Join('\n', log.TakeLast(5))}");
            }
            return last == wanted;
        }, clock, timeout, () => $"{sequence} through {service}: wanted {(int)wanted}, last {(int?)last} {lastText}", interval ?? PollInterval);
    }

    private static Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, Stopwatch clock, TimeSpan timeout, string describe) =>
        UntilAsync(condition, clock, timeout, () => describe, SlowPollInterval);

    private static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, Stopwatch clock, TimeSpan timeout, Func<string> describe, TimeSpan interval)
    {
        var start = clock.Elapsed;
        while (!await condition())
        {
            if (clock.Elapsed - start > timeout) throw new TimeoutException($"gave up after {timeout.TotalSeconds:0} s: {describe()}");
            await Task.Delay(interval);
        }
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        Report.LoadAverageAfter = NodeProcessStats.LoadAverage();
        await Cluster.DisposeAsync();
    }
}
