using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>The HTTP contract (README.md#http-gateway), against a real node process.</summary>
[Collection(GatewayNodeCollection.Name)]
public sealed class GatewayTests(GatewayNodeFixture fixture)
{
    private NodeProcess Node => fixture.Node;

    [Fact]
    public async Task Echo_completes_with_the_rest_and_names_the_provider()
    {
        using var response = await Node.CompleteAsync("echo/hello"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("echo@akka.tcp://promisegrid@", Assert.Single(response.Headers.GetValues("Grid-Provider")));
    }

    [Fact]
    public async Task Echo_returns_all_256_byte_values_exactly()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        using var response = await Node.CompleteAsync([.. "echo/"u8, .. all]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(all, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Unknown_prefix_is_404_naming_the_sequence()
    {
        using var response = await Node.CompleteAsync("nobody/serves\x01this"u8.ToArray());
        var problem = await AssertProblem(response, HttpStatusCode.NotFound, "NoRoute");
        Assert.Contains(@"nobody/serves\x01this", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Empty_body_is_404()
    {
        using var response = await Node.CompleteAsync([]);
        var problem = await AssertProblem(response, HttpStatusCode.NotFound, "NoRoute");
        Assert.Contains("''", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Long_sequences_are_cut_in_the_error_text()
    {
        using var response = await Node.CompleteAsync(Encoding.ASCII.GetBytes("x/" + new string('a', 10_000)));
        var problem = await AssertProblem(response, HttpStatusCode.NotFound, "NoRoute");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Length < 200, detail);
        Assert.Contains("(10002 bytes)", detail);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413_and_the_node_keeps_serving()
    {
        var body = new byte[1024 * 1024 + 1];
        "echo/"u8.CopyTo(body);
        using (var response = await Node.CompleteAsync(body))
            await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "TooLarge");

        // Without Content-Length (chunked), the limit holds while reading.
        var chunked = new HttpRequestMessage(HttpMethod.Post, new Uri(Node.Gateway, "/complete"))
        {
            Content = new StreamContent(new MemoryStream(body)),
        };
        chunked.Headers.TransferEncodingChunked = true;
        using (var response = await Node.Http.SendAsync(chunked))
            await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "TooLarge");

        using var next = await Node.CompleteAsync("echo/still here"u8.ToArray());
        Assert.Equal("still here", await next.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Body_at_the_limit_completes()
    {
        var body = new byte[1024 * 1024];
        Random.Shared.NextBytes(body);
        "echo/"u8.CopyTo(body);
        using var response = await Node.CompleteAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body[5..], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_module_that_throws_is_502_with_the_message_and_keeps_serving()
    {
        using (var response = await Node.CompleteAsync("flaky/throw"u8.ToArray()))
        {
            var problem = await AssertProblem(response, HttpStatusCode.BadGateway, "ModuleFailed");
            Assert.Contains("flaky module was told to throw", problem.GetProperty("detail").GetString());
        }
        using var next = await Node.CompleteAsync("flaky/fine"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("fine", await next.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_module_that_never_answers_is_504_at_the_requested_deadline()
    {
        using var response = await Node.CompleteAsync("hang/forever"u8.ToArray(), deadlineMs: 300);
        var problem = await AssertProblem(response, HttpStatusCode.GatewayTimeout, "BrokenPromise");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("300 ms", detail);
        Assert.Contains("hang@", detail);
        // The requester's node logs the broken promise once, at WARNING, naming provider and prefix.
        await Poll.UntilAsync(() => Task.FromResult(Node.Lines.Any(l => l.Contains("[WARNING]") && l.Contains("broken promise provider=hang@")
            && l.Contains("prefix=hang/ status=BrokenPromise reason=no completion within 300 ms"))),
            TimeSpan.FromSeconds(10), () => "no broken promise line for hang/");
    }

    [Fact]
    public async Task A_module_that_never_answers_is_504_at_the_default_deadline()
    {
        using var response = await Node.CompleteAsync("hang/forever"u8.ToArray());
        var problem = await AssertProblem(response, HttpStatusCode.GatewayTimeout, "BrokenPromise");
        Assert.Contains("2000 ms", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_deadline_over_the_cap_is_cut_to_max_deadline()
    {
        // max-deadline is 10 s in the fixture; asking for an hour must not hold the request that long.
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Node.Gateway, "/complete")) { Content = new ByteArrayContent("hang/x"u8.ToArray()) };
        request.Headers.Add("Grid-Deadline", "3600000");
        using var response = await Node.Http.SendAsync(request);
        var problem = await AssertProblem(response, HttpStatusCode.GatewayTimeout, "BrokenPromise");
        Assert.Contains("10000 ms", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_module_calling_itself_is_508_too_deep_long_before_its_deadline()
    {
        using var response = await Node.CompleteAsync("loop/x"u8.ToArray(), deadlineMs: 60_000);
        var problem = await AssertProblem(response, (HttpStatusCode)508, "TooDeep");
        Assert.Contains("promisegrid.max-hops", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_bad_deadline_header_is_400()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Node.Gateway, "/complete")) { Content = new ByteArrayContent("echo/x"u8.ToArray()) };
        request.Headers.Add("Grid-Deadline", "soon");
        using var response = await Node.Http.SendAsync(request);
        await AssertProblem(response, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task Routes_lists_every_module_with_notation_hex_and_node()
    {
        var routes = await Node.Http.GetFromJsonAsync<JsonElement>(new Uri(Node.Gateway, "/routes"));
        var echo = routes.EnumerateArray().Single(r => r.GetProperty("prefix").GetString() == "echo/");
        Assert.Equal("6563686f2f", echo.GetProperty("prefixHex").GetString());
        Assert.Equal("echo", echo.GetProperty("module").GetString());
        Assert.StartsWith("akka.tcp://promisegrid@127.0.0.1:", echo.GetProperty("node").GetString());
        var modules = routes.EnumerateArray().Select(r => r.GetProperty("module").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "echo", "sys", "flaky", "hang" }, modules);
    }

    [Fact]
    public async Task Sys_module_answers_through_the_gateway()
    {
        using var response = await Node.CompleteAsync("sys/members"u8.ToArray());
        var members = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement;
        Assert.Equal("Up", members.EnumerateArray().Single().GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_200_when_up_with_modules_registered()
    {
        using var response = await Node.Http.GetAsync(new Uri(Node.Gateway, "/health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(health.GetProperty("ready").GetBoolean());
        Assert.Equal("Up", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_counting_outcomes()
    {
        (await Node.CompleteAsync("echo/counted"u8.ToArray())).Dispose();
        using var response = await Node.Http.GetAsync(new Uri(Node.Gateway, "/metrics"));
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(Sample(text, "promisegrid_gateway_completions_total", "status=\"Completed\"") >= 1, text);
        Assert.Equal(0, Sample(text, "promisegrid_gateway_completions_total", "status=\"TooDeep\""));
        Assert.Contains("# TYPE promisegrid_gateway_latency_seconds histogram", text);
        Assert.True(Sample(text, "promisegrid_gateway_latency_seconds_bucket", "le=\"+Inf\"") >= 1, text);
        Assert.True(Sample(text, "promisegrid_routes") >= 1, text);
        Assert.Equal(1, Sample(text, "promisegrid_cluster_members"));
        Assert.True(Sample(text, "promisegrid_gateway_request_bytes_total") >= "echo/counted".Length, text);
        // The node's promise ledger, per provider and prefix.
        Assert.True(Sample(text, "promisegrid_promises_kept_total", "provider=\"echo@akka.tcp://promisegrid@", "prefix=\"echo/\"") >= 1, text);
        Assert.Contains("# TYPE promisegrid_promises_broken_total counter", text);
        Assert.Contains("# TYPE promisegrid_promise_latency_seconds gauge", text);
        Assert.Equal(1, Sample(text, "promisegrid_promise_score", "provider=\"echo@akka.tcp://promisegrid@", "prefix=\"echo/\""));
    }

    [Fact]
    public async Task A_repeated_pure_completion_is_a_cache_hit_in_the_metrics()
    {
        var sequence = Encoding.UTF8.GetBytes($"hash/sha256/{Guid.NewGuid()}");
        var first = await (await Node.CompleteAsync(sequence)).Content.ReadAsStringAsync();
        var hitsBefore = await CacheHitsAsync();

        var second = await (await Node.CompleteAsync(sequence)).Content.ReadAsStringAsync();

        Assert.Equal(first, second);
        Assert.Equal(hitsBefore + 1, await CacheHitsAsync());

        async Task<double> CacheHitsAsync() =>
            Sample(await Node.Http.GetStringAsync(new Uri(Node.Gateway, "/metrics")), "promisegrid_cache_hits_total");
    }

    /// <summary>
    /// The value of the one sample of <paramref name="name"/> whose labels include every one of
    /// <paramref name="labels"/>, in any order (the exporter sorts them); an unlabelled sample may
    /// be written <c>name{} value</c> or <c>name value</c>.
    /// </summary>
    private static double Sample(string text, string name, params string[] labels)
    {
        var line = text.Split('\n').Single(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            && labels.All(label => l.Contains(label, StringComparison.Ordinal)));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Logs_tell_modules_registered_and_gateway_listening()
    {
        Assert.Contains(Node.Lines, l => l.Contains("module registered module=echo prefix=echo/ node=akka.tcp://promisegrid@"));
        Assert.Contains(Node.Lines, l => l.Contains("module registered module=hang prefix=hang/"));
        Assert.Contains(Node.Lines, l => l.Contains("node up address=akka.tcp://promisegrid@"));
        Assert.Contains(Node.Lines, l => l.Contains("gateway listening url=http://127.0.0.1:"));
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode expected, string gridStatus)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.Equal(gridStatus, problem.GetProperty("grid").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
