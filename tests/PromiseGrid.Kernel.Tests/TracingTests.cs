using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Event;
using Akka.TestKit;
using PromiseGrid.Kernel.Tracing;

namespace PromiseGrid.Kernel.Tests;

/// <summary>
/// <c>span/</c>: answers with what it sees as <see cref="Activity.Current"/> (<c>source|trace|span|parent</c>, or
/// <c>none</c>) while it runs; <c>span/reenter</c> answers from a ReenterAfter continuation instead.
/// </summary>
public sealed class SpanReportModule() : ModuleActor("span-report", "span/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
        Utf8.From(request.Rest) == "reenter"
            ? ReenterAfter(Task.Run(async () => { await Task.Yield(); return 0; }), _ => Report())
            : new(Report());

    private static Sequence Report() => Utf8.Of(Activity.Current is { } span
        ? $"{span.Source.Name}|{span.TraceId}|{span.SpanId}|{span.ParentSpanId}"
        : "none");
}

/// <summary>
/// The kernel's spans in one node (docs/architecture.md#tracing): none at all without a listener;
/// with one, client → router → module → nested client, the module's span current while it runs
/// (its async continuations included), and the request log lines carrying trace_id and span_id.
/// </summary>
public sealed class TracingTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    private readonly ConcurrentQueue<Activity> _stopped = new();

    private ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => GridActivitySources.All.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Fact]
    public async Task With_tracing_off_no_activity_is_created_and_requests_carry_no_trace_context()
    {
        await StartModuleAsync<SpanReportModule>();
        var probe = CreateTestProbe();
        await RegisterAsync(probe, "probe/");

        var seen = await CompleteAsync("span/x");
        var pending = Grid.CompleteAsync(Seq("probe/x"));
        var request = await probe.ExpectMsgAsync<Complete>(Patience);

        AssertCompleted("none", seen);
        Assert.False(request.IsTraced);
        Assert.False(new ActivitySource(GridActivitySources.Module).HasListeners());
        probe.Reply(Completion.Kept(request.Id, Sequence.Empty, "probe"));
        await pending;
        Assert.Empty(_stopped);
    }

    [Fact]
    public async Task With_tracing_on_client_router_and_module_spans_chain_and_the_module_span_is_current_in_its_continuations()
    {
        using var listener = Listen();
        await StartModuleAsync<SpanReportModule>();
        await StartModuleAsync<RelayModule>();

        var direct = Text((await CompleteAsync("span/x")).Bytes).Split('|');
        var reentered = Text((await CompleteAsync("span/reenter")).Bytes).Split('|');
        var nested = await CompleteAsync("relay/span/inner");

        Assert.Equal(GridActivitySources.Module, direct[0]);
        var route = Assert.Single(_stopped, s => s.SpanId.ToString() == direct[3]);
        Assert.Equal(GridActivitySources.Router, route.Source.Name);
        var client = Assert.Single(_stopped, s => s.SpanId == route.ParentSpanId);
        Assert.Equal(GridActivitySources.Client, client.Source.Name);
        Assert.Equal(ActivityKind.Client, client.Kind);
        Assert.All(new[] { route, client }, s => Assert.Equal(direct[1], s.TraceId.ToString()));
        Assert.Equal(GridActivitySources.Module, reentered[0]);
        // The relay's nested call: its client span is a child of the relay's module span, one trace.
        var inner = Text(nested.Bytes)["Completed:".Length..].Split('|');
        var innerRoute = Assert.Single(_stopped, s => s.SpanId.ToString() == inner[3]);
        var innerClient = Assert.Single(_stopped, s => s.SpanId == innerRoute.ParentSpanId);
        var relaySpan = Assert.Single(_stopped, s => s.SpanId == innerClient.ParentSpanId);
        Assert.Equal("serve relay", relaySpan.DisplayName);
        Assert.Equal(relaySpan.TraceId.ToString(), inner[1]);
        // Nothing is left behind as the current activity of the test's own context.
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task The_log_lines_of_a_traced_request_carry_its_trace_id_and_span_id()
    {
        using var listener = Listen();
        await StartModuleAsync<ThrowingModule>();
        var logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(Warning));

        var failed = await CompleteAsync("t/throw");

        AssertStatus(CompletionStatus.ModuleFailed, failed);
        var serve = Assert.Single(_stopped, s => s.DisplayName == "serve thrower");
        var client = Assert.Single(_stopped, s => s.Source.Name == GridActivitySources.Client && s.TraceId == serve.TraceId);
        // The module's line names its span, the requester's line (a ModuleFailed is a broken promise) the client's.
        var moduleFailed = await logs.FishForMessageAsync<Warning>(w => w.Message.ToString()!.StartsWith("module failed"), Patience);
        Assert.EndsWith($"trace_id={serve.TraceId} span_id={serve.SpanId}", moduleFailed.Message.ToString());
        var broken = await logs.FishForMessageAsync<Warning>(w => w.Message.ToString()!.StartsWith("broken promise"), Patience);
        Assert.EndsWith($"trace_id={client.TraceId} span_id={client.SpanId}", broken.Message.ToString());
    }
}
