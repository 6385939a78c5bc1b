using System.Security.Cryptography;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// Issue 15's done-when: three real node processes in the compose topology (node1 and node2 the
/// seeds, node3 joining), each exporting spans over OTLP to a receiver in the test. A request
/// enters node1's gateway with a <c>traceparent</c>, is served on node3 by <c>relay/</c>, whose
/// nested grid call is served on node2 by <c>hash/</c>: one trace, every span under the caller's.
/// </summary>
public sealed class ThreeNodeTraceTests
{
    [Fact]
    public async Task A_request_across_three_nodes_is_one_trace_under_the_callers_span()
    {
        using var receiver = new OtlpReceiver();
        var ports = new[] { Ports.Closed(), Ports.Closed(), Ports.Closed() };
        var seeds = $"akka.tcp://promisegrid@127.0.0.1:{ports[0]},akka.tcp://promisegrid@127.0.0.1:{ports[1]}";
        Dictionary<string, string> Node(int index, string modules) => new()
        {
            ["PG_PORT"] = ports[index].ToString(),
            ["PG_SEEDS"] = seeds,
            ["PG_MODULES"] = modules,
            ["PG_PLUGINS"] = RepoPaths.TestPluginsFolder,
            ["PG_TRACE_SAMPLE"] = "1",
            // Text log lines at DEBUG end in trace_id=.. for a traced request (checked on node3).
            ["PG_LOGLEVEL"] = "DEBUG",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Export batches often, so the spans arrive while the test polls.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        // Both seeds at once: node2 may only join node1, and node1 forms the cluster.
        var seedNodes = await Task.WhenAll(
            NodeProcess.StartAsync(Node(0, "echo")),
            NodeProcess.StartAsync(Node(1, "hash")));
        await using var node1 = seedNodes[0];
        await using var node2 = seedNodes[1];
        await using var node3 = await NodeProcess.StartAsync(Node(2, "PromiseGrid.TestPlugins.RelayModule"));

        // relay/ (node3) and hash/ (node2) are known on node1 once the registrations have spread.
        await Poll.UntilAsync(async () =>
        {
            using var warm = await node1.CompleteAsync("relay/hash/sha256/warm"u8.ToArray());
            return warm.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(120), () => $"relay/hash/ never completed through node1. node1:\n{node1.Log}\nnode3:\n{node3.Log}");

        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var callerSpan = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node1.Gateway, "/complete"))
        {
            Content = new ByteArrayContent("relay/hash/sha256/hello"u8.ToArray()),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var response = await node1.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("hello"u8)), await response.Content.ReadAsStringAsync());
        var answered = Assert.Single(response.Headers.GetValues("traceparent"));
        Assert.StartsWith($"00-{traceId}-", answered);

        // The deepest span is node2's hash/ serve; its ancestors, up to the caller's span, are the path.
        IReadOnlyList<OtlpSpan> Spans() => receiver.Posts.Where(p => p.Path == "/v1/traces")
            .SelectMany(p => OtlpSpans.Read(p.Body)).Where(s => s.TraceId == traceId).ToList();
        List<OtlpSpan>? path = null;
        await Poll.UntilAsync(() => Task.FromResult((path = Path(Spans(), callerSpan)) is not null),
            TimeSpan.FromSeconds(120), () => $"no whole path from node2's serve hash up to the caller's span; spans of the trace:\n{string.Join('\n', Spans())}");

        var names = path!.Select(s => $"{s.Name}@{NodeOf(s, ports)}").ToList();
        Assert.Equal(new[]
        {
            "POST /complete@node1", "complete@node1", "route@node1",
            "serve relay@node3", "complete@node3", "route@node3",
            "serve hash@node2",
        }, names);
        Assert.Equal(answered.Split('-')[2], path![0].SpanId);

        // node3's log lines of that request carry its trace id (text format).
        await Poll.UntilAsync(() => Task.FromResult(node3.Lines.Any(l => l.Contains($"trace_id={traceId}", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), () => $"no log line on node3 with trace_id={traceId}. Log:\n{node3.Log}");
    }

    /// <summary>The spans from the caller's child down to node2's <c>serve hash</c>, or null while some are missing.</summary>
    private static List<OtlpSpan>? Path(IReadOnlyList<OtlpSpan> spans, string callerSpan)
    {
        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var leaf = spans.FirstOrDefault(s => s.Name == "serve hash");
        var path = new List<OtlpSpan>();
        for (var span = leaf; span is not null; span = byId.GetValueOrDefault(span.ParentSpanId))
        {
            path.Insert(0, span);
            if (span.ParentSpanId == callerSpan) return path;
        }
        return null;
    }

    private static string NodeOf(OtlpSpan span, int[] ports) =>
        Array.FindIndex(ports, p => span.Node.EndsWith($":{p}", StringComparison.Ordinal)) is var i and >= 0 ? $"node{i + 1}" : span.Node;
}
