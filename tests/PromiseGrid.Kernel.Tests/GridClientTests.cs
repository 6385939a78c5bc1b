namespace PromiseGrid.Kernel.Tests;

/// <summary>The requester side: the extension, deadlines (default and clamped), cancellation and refusals.</summary>
public sealed class GridClientTests(ITestOutputHelper output) : KernelTestKit(Config, output)
{
    private const string Config = LocalConfig + """

        promisegrid.default-deadline = 300ms
        promisegrid.max-deadline = 1s
        """;

    [Fact]
    public void Grid_Get_returns_one_client_per_system_with_the_router_at_system_router()
    {
        var first = PromiseGrid.Kernel.Client.Grid.GetRuntime(Sys);
        var second = PromiseGrid.Kernel.Client.Grid.GetRuntime(Sys);

        Assert.Same(first, second);
        Assert.Equal("/system/router", first.Router.Path.ToStringWithoutAddress());
        Assert.Equal(TimeSpan.FromMilliseconds(300), first.Settings.DefaultDeadline);
        Assert.Equal(TimeSpan.FromSeconds(1), first.Settings.MaxDeadline);
        Assert.Equal(1048576, first.Settings.MaxSequenceBytes);
        Assert.Equal(0, first.Routes.Snapshot.ValueCount);
    }

    [Fact]
    public async Task The_router_actor_is_running()
    {
        var path = Runtime.Router.Path;

        var identity = await Sys.ActorSelection(path).Ask<ActorIdentity>(new Identify(1), Patience);

        Assert.Equal(Runtime.Router, identity.Subject);
    }

    [Fact]
    public async Task An_unrouted_sequence_completes_NoRoute_naming_it()
    {
        var completion = await Bounded(Grid.CompleteAsync(Seq("zzz")));

        AssertStatus(CompletionStatus.NoRoute, completion);
        Assert.Contains("'zzz'", completion.Reason);
        Assert.Equal($"router@{SelfAddress}", completion.Provider);
        Assert.True(completion.Id > 0);
    }

    [Fact]
    public async Task A_sequence_over_the_default_limit_is_TooLarge_and_one_at_the_limit_is_not()
    {
        var over = await Bounded(Grid.CompleteAsync(new Sequence(new byte[1048577])));
        AssertStatus(CompletionStatus.TooLarge, over);
        Assert.Contains("1048577", over.Reason);

        var atLimit = await Bounded(Grid.CompleteAsync(new Sequence(new byte[1048576])));
        AssertStatus(CompletionStatus.NoRoute, atLimit);
    }

    [Fact]
    public async Task Requests_get_distinct_ids()
    {
        var a = await Bounded(Grid.CompleteAsync(Seq("zzz")));
        var b = await Bounded(Grid.CompleteAsync(Seq("zzz")));

        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task Without_a_deadline_the_default_deadline_applies()
    {
        await StartSilentAsync();

        var completion = await Bounded(Grid.CompleteAsync(Seq("silent/1")));

        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Contains("300 ms", completion.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task A_deadline_that_is_not_positive_has_passed_and_reaches_no_module(int milliseconds)
    {
        var observer = await StartSilentAsync();

        var completion = await Bounded(Grid.CompleteAsync(Seq("silent/1"), TimeSpan.FromMilliseconds(milliseconds)));

        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Equal($"silent@{SelfAddress}", completion.Provider);
        Assert.Contains($"{milliseconds} ms", completion.Reason);
        await observer.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_deadline_over_max_deadline_is_clamped()
    {
        await StartSilentAsync();

        var completion = await Bounded(Grid.CompleteAsync(Seq("silent/1"), TimeSpan.FromHours(1)));

        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Contains("1000 ms", completion.Reason);
    }

    [Fact]
    public async Task A_broken_promise_names_the_provider_the_request_went_to()
    {
        // A remote-looking provider registered first, then the local module: the router
        // sends the request to the local one, so the local one broke the promise.
        var remoteTarget = CreateTestProbe();
        var remote = new FakeRemoteRef(
            new RootActorPath(new Address("akka.tcp", "elsewhere", "10.0.0.9", 2552)) / "user" / "silent",
            ((ExtendedActorSystem)Sys).Provider, remoteTarget.Ref);
        _ = Grid;
        Runtime.Router.Tell(new Register(new RouteSpec(Seq("silent/"), "silent")), remote);
        await remoteTarget.ExpectMsgAsync<Registered>(Patience);
        var observer = await StartSilentAsync();

        var completion = await Bounded(Grid.CompleteAsync(Seq("silent/1"), TimeSpan.FromMilliseconds(200)));

        await observer.ExpectMsgAsync("started", Patience);
        await remoteTarget.ExpectNoMsgAsync(Quiet);
        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Equal($"silent@{SelfAddress}", completion.Provider);
    }

    [Fact]
    public async Task Cancelling_the_token_throws_OperationCanceledException()
    {
        var observer = await StartSilentAsync();
        using var cancellation = new CancellationTokenSource();

        var pending = Grid.CompleteAsync(Seq("silent/1"), TimeSpan.FromSeconds(1), cancellation.Token);
        await observer.ExpectMsgAsync("started", Patience);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Patience));
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_OperationCanceledException()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Grid.CompleteAsync(Seq("e/x"), null, new CancellationToken(true)).WaitAsync(Patience));
    }

    [Fact]
    public async Task Many_concurrent_requests_each_get_their_own_bytes()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        var completions = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(i => Grid.CompleteAsync(Seq($"e/{i}")))).WaitAsync(Patience);

        for (var i = 0; i < completions.Length; i++)
            Assert.Equal(i.ToString(), Text(completions[i].Bytes));
    }

    [Fact]
    public async Task A_late_completion_of_an_ended_request_does_not_end_the_request_that_reuses_its_slot()
    {
        var provider = CreateTestProbe();
        await RegisterAsync(provider, "q/");

        var first = Grid.CompleteAsync(Seq("q/1"), TimeSpan.FromMilliseconds(200));
        var firstRequest = await provider.ExpectMsgAsync<Complete>(Patience);
        var replies = provider.LastSender;
        AssertStatus(CompletionStatus.BrokenPromise, await Bounded(first));

        var second = Grid.CompleteAsync(Seq("q/2"), TimeSpan.FromSeconds(5));
        var secondRequest = await provider.ExpectMsgAsync<Complete>(Patience);
        // The same slot of the pending requests, under a new id.
        Assert.NotEqual(firstRequest.Id, secondRequest.Id);
        Assert.Equal(firstRequest.Id & (PendingRequests.Capacity - 1), secondRequest.Id & (PendingRequests.Capacity - 1));

        replies.Tell(Completion.Kept(firstRequest.Id, Seq("late"), "probe"));
        replies.Tell(Completion.Kept(secondRequest.Id, Seq("2"), "probe"));

        var completion = await Bounded(second);
        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("2", Text(completion.Bytes));
        Assert.Equal(secondRequest.Id, completion.Id);
    }

    private async Task<Akka.TestKit.TestProbe> StartSilentAsync()
    {
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new SilentModule(observer.Ref)), "silent/");
        return observer;
    }
}
