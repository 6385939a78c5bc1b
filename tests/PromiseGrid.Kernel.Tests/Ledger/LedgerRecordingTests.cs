using PromiseGrid.Kernel.Ledger;

namespace PromiseGrid.Kernel.Tests.Ledger;

/// <summary>
/// The requester records each outcome in its node's ledger, against the route the request took,
/// and logs each broken promise once at WARNING.
/// </summary>
public sealed class LedgerRecordingTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    private PromiseRecord RecordOf(string module, string prefix) => Runtime.Ledger.For($"{module}@{SelfAddress}", Seq(prefix));

    [Fact]
    public async Task The_router_attaches_each_routes_ledger_record_once()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        var route = Assert.Single(RoutesOf("e/"));

        Assert.Same(RecordOf("echo-test", "e/"), route.Promises);
    }

    [Fact]
    public async Task A_completion_is_a_promise_kept_with_its_latency()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        AssertStatus(CompletionStatus.Completed, await Bounded(Grid.CompleteAsync(Seq("e/1"))));
        AssertStatus(CompletionStatus.Completed, await Bounded(Grid.CompleteAsync(Seq("e/2"))));

        var record = RecordOf("echo-test", "e/");
        Assert.Equal(2, record.Kept);
        Assert.Equal(0, record.Broken);
        Assert.NotNull(record.LatencyMs);
        Assert.InRange(record.LatencyMs.Value, 0, Patience.TotalMilliseconds);
        Assert.Equal(1.0, record.Score);
    }

    [Fact]
    public async Task A_module_failure_is_a_promise_broken_logged_once_at_warning()
    {
        await StartModuleAsync(Props.Create<ThrowingModule>(), "t/");
        Completion? completion = null;

        await EventFilter.Warning(start: "broken promise").ExpectOneAsync(async () =>
            completion = await Bounded(Grid.CompleteAsync(Seq("t/throw"))));

        AssertStatus(CompletionStatus.ModuleFailed, completion!);
        var record = RecordOf("thrower", "t/");
        Assert.Equal(1, record.Broken);
        Assert.Equal(0, record.Kept);
        Assert.Equal("InvalidOperationException: boom at once", record.LastBrokenReason);
        Assert.Equal(0.9, record.Score, 12);
    }

    [Fact]
    public async Task The_broken_promise_line_names_provider_prefix_status_reason_and_id()
    {
        await StartModuleAsync(Props.Create<ThrowingModule>(), "t/");
        var line = new TaskCompletionSource<string>();
        Sys.EventStream.Subscribe(Sys.ActorOf(Props.Create(() => new WarningCatcher(line))), typeof(Akka.Event.Warning));

        var completion = await Bounded(Grid.CompleteAsync(Seq("t/throw")));

        Assert.Equal(
            $"broken promise provider=thrower@{SelfAddress} prefix=t/ status=ModuleFailed reason=InvalidOperationException: boom at once id={completion.Id}",
            await Bounded(line.Task));
    }

    [Fact]
    public async Task A_passed_deadline_is_a_promise_broken_by_the_provider_it_went_to()
    {
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new SilentModule(observer.Ref)), "silent/");

        var completion = await Bounded(Grid.CompleteAsync(Seq("silent/1"), TimeSpan.FromMilliseconds(200)));

        AssertStatus(CompletionStatus.BrokenPromise, completion);
        var record = RecordOf("silent", "silent/");
        Assert.Equal(1, record.Broken);
        Assert.Contains("no completion within 200 ms", record.LastBrokenReason);
    }

    [Fact]
    public async Task A_module_giving_up_at_its_deadline_is_a_promise_broken()
    {
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new HangModule(observer.Ref)), "hang/");

        var completion = await Bounded(Grid.CompleteAsync(Seq("hang/1"), TimeSpan.FromMilliseconds(200)));

        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Equal(1, RecordOf("hang", "hang/").Broken);
    }

    [Fact]
    public async Task Refusals_by_the_router_are_no_providers_promise()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        AssertStatus(CompletionStatus.NoRoute, await Bounded(Grid.CompleteAsync(Seq("nobody/home"))));
        AssertStatus(CompletionStatus.TooLarge, await Bounded(Grid.CompleteAsync(new Sequence(new byte[Grid.Settings.MaxSequenceBytes + 1]))));

        var only = Assert.Single(Runtime.Ledger.Records());
        Assert.Equal((0, 0), (only.Kept, only.Broken));
    }

    [Fact]
    public async Task A_request_whose_deadline_passed_before_sending_reached_no_provider_and_is_not_counted()
    {
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new SilentModule(observer.Ref)), "silent/");

        AssertStatus(CompletionStatus.BrokenPromise, await Bounded(Grid.CompleteAsync(Seq("silent/1"), TimeSpan.Zero)));

        Assert.Equal(0, RecordOf("silent", "silent/").Broken);
    }

    [Fact]
    public async Task A_cancelled_request_is_not_counted()
    {
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new SilentModule(observer.Ref)), "silent/");
        using var cancellation = new CancellationTokenSource();

        var pending = Grid.CompleteAsync(Seq("silent/1"), TimeSpan.FromSeconds(2), cancellation.Token);
        await observer.ExpectMsgAsync("started", Patience);
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Patience));

        Assert.Equal(0, RecordOf("silent", "silent/").Broken);
    }

    /// <summary>Hands the first "broken promise" warning's text to the test.</summary>
    private sealed class WarningCatcher(TaskCompletionSource<string> line) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is Akka.Event.Warning warning && warning.Message.ToString() is { } text
                && text.StartsWith("broken promise", StringComparison.Ordinal))
                line.TrySetResult(text);
        }
    }
}
