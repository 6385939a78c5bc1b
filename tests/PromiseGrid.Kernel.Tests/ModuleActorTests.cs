using Akka.TestKit;

namespace PromiseGrid.Kernel.Tests;

/// <summary>The module base class: registration, prefix matching, failures, async work and deadlines.</summary>
public sealed class ModuleActorTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    private static readonly TimeSpan ShortDeadline = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_module_completes_with_the_rest_after_its_prefix()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        var completion = await Bounded(Grid.CompleteAsync(Seq(@"e/hello\x00\xff")));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.True(completion.IsCompleted);
        Assert.Equal(Seq(@"hello\x00\xff"), completion.Bytes);
        Assert.Equal($"echo-test@{SelfAddress}", completion.Provider);
        Assert.Null(completion.Reason);
    }

    [Fact]
    public async Task A_module_replies_to_the_requester_directly_with_the_request_id()
    {
        var module = await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");
        var requester = CreateTestProbe();

        requester.Send(Runtime.Router, new Complete(42, Seq("e/x"), DeadlineIn(Patience)));

        var completion = await requester.ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(42, completion.Id);
        Assert.Equal(Seq("x"), completion.Bytes);
        Assert.Equal(module, requester.LastSender);
    }

    [Fact]
    public async Task A_module_registers_every_prefix_and_counts_the_acknowledgements()
    {
        _ = Grid;
        var module = ActorOfAsTestActorRef<PrefixReportModule>(Props.Create<PrefixReportModule>());

        await AwaitAssertAsync(() => Assert.True(module.UnderlyingActor.IsRegistered), Patience);

        var actor = module.UnderlyingActor;
        Assert.Equal("prefixes", actor.ModuleName);
        Assert.Equal($"prefixes@{SelfAddress}", actor.ProviderName);
        Assert.Equal([Seq("p/"), Seq("p/long/")], actor.Prefixes);
        Assert.Equal("prefixes", Assert.Single(RoutesOf("p/")).Module);
        Assert.Equal("prefixes", Assert.Single(RoutesOf("p/long/")).Module);
    }

    [Fact]
    public async Task A_pure_module_registers_pure_routes()
    {
        await StartModuleAsync(Props.Create<PureModule>(), "pure/");

        Assert.True(Assert.Single(RoutesOf("pure/")).Pure);
    }

    [Theory]
    [InlineData("p/long/x", "7|p/long/|x")]
    [InlineData("p/long/", "7|p/long/|")]
    [InlineData("p/lon", "2|p/|lon")]
    [InlineData("p/x", "2|p/|x")]
    public async Task A_module_with_nested_prefixes_sees_the_longest_one_it_matched(string sequence, string expected)
    {
        await StartModuleAsync(Props.Create<PrefixReportModule>(), "p/", "p/long/");

        var completion = await Bounded(Grid.CompleteAsync(Seq(sequence)));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(expected, Text(completion.Bytes));
    }

    [Fact]
    public async Task A_module_told_directly_matches_its_own_longest_prefix()
    {
        var module = await StartModuleAsync(Props.Create<PrefixReportModule>(), "p/", "p/long/");

        module.Tell(new Complete(1, Seq("p/long/y"), DeadlineIn(Patience)), TestActor);

        Assert.Equal("7|p/long/|y", Text((await ExpectMsgAsync<Completion>(Patience)).Bytes));
    }

    [Fact]
    public async Task A_module_told_a_sequence_outside_its_prefixes_answers_ModuleFailed()
    {
        var module = await StartModuleAsync(Props.Create<PrefixReportModule>(), "p/", "p/long/");

        module.Tell(new Complete(2, Seq("q/zzz"), DeadlineIn(Patience)), TestActor);

        var completion = await ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(2, completion.Id);
        AssertStatus(CompletionStatus.ModuleFailed, completion);
        Assert.Contains("q/zzz", completion.Reason);
    }

    [Fact]
    public async Task A_module_that_throws_answers_ModuleFailed_and_keeps_serving()
    {
        var module = await StartModuleAsync(Props.Create<ThrowingModule>(), "t/");
        Watch(module);

        var failed = await Bounded(Grid.CompleteAsync(Seq("t/throw")));

        AssertStatus(CompletionStatus.ModuleFailed, failed);
        Assert.Contains("boom at once", failed.Reason);
        Assert.Contains(nameof(InvalidOperationException), failed.Reason);
        Assert.Equal($"thrower@{SelfAddress}", failed.Provider);
        Assert.True(failed.Bytes.IsEmpty);

        var next = await Bounded(Grid.CompleteAsync(Seq("t/fine")));

        AssertStatus(CompletionStatus.Completed, next);
        // "#2": the same actor instance served both requests, it was not restarted.
        Assert.Equal("ok:fine#2", Text(next.Bytes));
        Assert.Single(RoutesOf("t/"));
        await ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_module_that_throws_after_an_await_answers_ModuleFailed_and_keeps_serving()
    {
        await StartModuleAsync(Props.Create<ThrowingModule>(), "t/");

        var failed = await Bounded(Grid.CompleteAsync(Seq("t/async-throw")));

        AssertStatus(CompletionStatus.ModuleFailed, failed);
        Assert.Contains("boom later", failed.Reason);
        Assert.Contains(nameof(ArgumentException), failed.Reason);

        var next = await Bounded(Grid.CompleteAsync(Seq("t/again")));
        Assert.Equal("ok:again#2", Text(next.Bytes));
    }

    [Fact]
    public async Task An_asynchronous_module_completes()
    {
        await StartModuleAsync(Props.Create<AsyncModule>(), "async/");

        var completion = await Bounded(Grid.CompleteAsync(Seq("async/x")));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("async:x", Text(completion.Bytes));
        Assert.Equal($"async@{SelfAddress}", completion.Provider);
    }

    [Fact]
    public async Task Many_requests_in_flight_at_once_each_get_their_own_completion()
    {
        await StartModuleAsync(Props.Create<AsyncModule>(), "async/");

        var completions = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => Grid.CompleteAsync(Seq($"async/{i}")))).WaitAsync(Patience);

        for (var i = 0; i < completions.Length; i++)
        {
            AssertStatus(CompletionStatus.Completed, completions[i]);
            Assert.Equal($"async:{i}", Text(completions[i].Bytes));
        }
        Assert.Equal(50, completions.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_module_waiting_on_its_deadline_token_is_a_BrokenPromise_naming_it()
    {
        // Several requests, so an outcome that only sometimes goes wrong shows up every run.
        const int count = 10;
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new HangModule(observer.Ref)), "hang/");

        var completions = await Task.WhenAll(Enumerable.Range(0, count)
            .Select(i => Grid.CompleteAsync(Seq($"hang/{i}"), ShortDeadline))).WaitAsync(Patience);

        Assert.All(completions, completion =>
        {
            AssertStatus(CompletionStatus.BrokenPromise, completion);
            Assert.Contains("hang", completion.Provider);
            Assert.False(string.IsNullOrWhiteSpace(completion.Reason));
        });
        var seen = new List<string>();
        for (var i = 0; i < 2 * count; i++)
            seen.Add(await observer.ExpectMsgAsync<string>(Patience));
        Assert.Equal(count, seen.Count(m => m == "started"));
        Assert.Equal(count, seen.Count(m => m == "cancelled"));
    }

    [Fact]
    public async Task A_module_that_never_answers_is_a_BrokenPromise_naming_it_and_its_prefix()
    {
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new SilentModule(observer.Ref)), "silent/");

        var completion = await Bounded(Grid.CompleteAsync(Seq("silent/1"), ShortDeadline));

        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Equal($"silent@{SelfAddress}", completion.Provider);
        Assert.Contains("200 ms", completion.Reason);
        Assert.Contains("silent/", completion.Reason);
        await observer.ExpectMsgAsync("started", Patience);
    }

    [Fact]
    public async Task A_module_keeps_serving_after_a_broken_promise()
    {
        var observer = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new HangModule(observer.Ref)), "hang/");
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        // (Which failure status a deadline gives is the subject of the tests above; here only
        // that the module stays up and takes the next request.)
        var broken = await Bounded(Grid.CompleteAsync(Seq("hang/1"), ShortDeadline));
        await observer.ExpectMsgAsync("started", Patience);
        await observer.ExpectMsgAsync("cancelled", Patience);
        Assert.False(broken.IsCompleted);
        Assert.Equal($"hang@{SelfAddress}", broken.Provider);

        var again = Grid.CompleteAsync(Seq("hang/2"), ShortDeadline);
        await observer.ExpectMsgAsync("started", Patience);
        await observer.ExpectMsgAsync("cancelled", Patience);
        Assert.Equal($"hang@{SelfAddress}", (await Bounded(again)).Provider);
        AssertStatus(CompletionStatus.Completed, await Bounded(Grid.CompleteAsync(Seq("e/still-here"))));
    }

    [Fact]
    public async Task A_module_that_gives_up_at_the_deadline_answers_BrokenPromise_itself()
    {
        // Several requests at once, each with its own deadline: every one that the module
        // gives up on at its deadline must be a BrokenPromise, never a ModuleFailed.
        const int count = 20;
        var observer = CreateTestProbe();
        var module = await StartModuleAsync(Props.Create(() => new HangModule(observer.Ref)), "hang/");
        var requester = CreateTestProbe();

        for (var id = 1; id <= count; id++)
            requester.Send(module, new Complete(id, Seq($"hang/{id}"), DeadlineIn(TimeSpan.FromMilliseconds(300 + 7 * id))));

        var completions = new List<Completion>();
        for (var i = 0; i < count; i++)
            completions.Add(await requester.ExpectMsgAsync<Completion>(Patience));
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), completions.Select(c => c.Id).Order());
        Assert.All(completions, completion =>
        {
            AssertStatus(CompletionStatus.BrokenPromise, completion);
            Assert.Equal($"hang@{SelfAddress}", completion.Provider);
            Assert.Contains("deadline", completion.Reason);
        });
    }

    [Fact]
    public async Task A_module_passing_on_a_deadline_that_has_run_out_gets_BrokenPromise_at_once()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");
        var relay = await StartModuleAsync(Props.Create<RelayModule>(), "relay/");

        relay.Tell(new Complete(6, Seq("relay/e/x"), DeadlineIn(TimeSpan.FromSeconds(-1))), TestActor);

        var completion = await ExpectMsgAsync<Completion>(Patience);
        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("BrokenPromise:", Text(completion.Bytes));
    }

    [Fact]
    public async Task A_module_that_gives_up_synchronously_on_a_passed_deadline_answers_BrokenPromise()
    {
        var module = await StartModuleAsync(Props.Create<GiveUpModule>(), "giveup/");

        module.Tell(new Complete(7, Seq("giveup/x"), DeadlineIn(TimeSpan.FromSeconds(-1))), TestActor);

        var completion = await ExpectMsgAsync<Completion>(Patience);
        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Equal($"giveup@{SelfAddress}", completion.Provider);
    }

    [Fact]
    public async Task A_request_whose_deadline_has_passed_has_a_cancelled_token_and_no_time_left()
    {
        var module = await StartModuleAsync(Props.Create<DeadlineReportModule>(), "dl/");

        module.Tell(new Complete(4, Seq("dl/x"), DeadlineIn(TimeSpan.FromSeconds(-1))), TestActor);
        Assert.Equal("cancelled:0", Text((await ExpectMsgAsync<Completion>(Patience)).Bytes));

        module.Tell(new Complete(5, Seq("dl/y"), DeadlineIn(Patience)), TestActor);
        Assert.Equal("live", Text((await ExpectMsgAsync<Completion>(Patience)).Bytes));
    }

    [Fact]
    public async Task A_module_can_complete_other_sequences_through_the_grid()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");
        await StartModuleAsync(Props.Create<RelayModule>(), "relay/");

        var relayed = await Bounded(Grid.CompleteAsync(Seq("relay/e/hi")));
        AssertStatus(CompletionStatus.Completed, relayed);
        Assert.Equal("Completed:hi", Text(relayed.Bytes));

        // The relay calling itself: two module-to-module hops inside one completion.
        var twice = await Bounded(Grid.CompleteAsync(Seq("relay/relay/e/hi")));
        Assert.Equal("Completed:Completed:hi", Text(twice.Bytes));

        var nowhere = await Bounded(Grid.CompleteAsync(Seq("relay/zzz")));
        Assert.Equal("NoRoute:", Text(nowhere.Bytes));
    }

    [Fact]
    public async Task A_stopped_module_leaves_the_routes_and_its_prefix_has_no_route()
    {
        var module = await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");

        Sys.Stop(module);

        await AwaitAssertAsync(() => Assert.Empty(RoutesOf("e/")), Patience);
        var completion = await Bounded(Grid.CompleteAsync(Seq("e/x")));
        AssertStatus(CompletionStatus.NoRoute, completion);
    }

    [Fact]
    public async Task A_module_whose_registration_is_refused_stops()
    {
        _ = Grid;
        var module = Sys.ActorOf(Props.Create<OverlongPrefixModule>());
        Watch(module);

        await ExpectTerminatedAsync(module, Patience);
        Assert.Equal(0, Runtime.Routes.Snapshot.ValueCount);
    }

    [Fact]
    public async Task A_module_without_prefixes_cannot_start()
    {
        _ = Grid;
        var module = Sys.ActorOf(Props.Create<NoPrefixModule>());
        Watch(module);

        await ExpectTerminatedAsync(module, Patience);
        Assert.Equal(0, Runtime.Routes.Snapshot.ValueCount);
    }
}
