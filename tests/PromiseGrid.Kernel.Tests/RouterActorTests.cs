using Akka.TestKit;

namespace PromiseGrid.Kernel.Tests;

/// <summary>The router: registration, route lifetime, longest-prefix forwarding and refusals.</summary>
public sealed class RouterActorTests(ITestOutputHelper output) : KernelTestKit(Config, output)
{
    private const string Config = LocalConfig + """

        promisegrid.max-prefix-bytes = 8
        promisegrid.max-sequence-bytes = 64
        """;

    private static Complete Request(long id, string notation) =>
        new(id, Sequence.FromText(notation), DeadlineIn(TimeSpan.FromSeconds(10)));

    // ---- registration ----

    [Fact]
    public async Task Register_is_acknowledged_and_the_route_enters_the_snapshot()
    {
        var provider = CreateTestProbe();
        var spec = new RouteSpec(Seq("a/"), "alpha");

        Runtime.Router.Tell(new Register(spec), provider.Ref);

        var ack = await provider.ExpectMsgAsync<Registered>(Patience);
        Assert.Equal(spec, ack.Route);
        var route = Assert.Single(RoutesOf("a/"));
        Assert.Equal(provider.Ref, route.Provider);
        Assert.Equal("alpha", route.Module);
        Assert.Equal(SelfAddress, route.Node);
        Assert.False(route.Pure);
        Assert.Equal($"alpha@{SelfAddress}", route.ProviderName);
    }

    [Fact]
    public async Task A_burst_of_registrations_is_acknowledged_only_once_the_snapshot_holds_each_route()
    {
        // A module with thousands of prefixes sends them all at once; the router applies them
        // together, but no acknowledgement may come before its route is in the snapshot.
        var provider = CreateTestProbe();
        const int count = 2_000;
        for (var i = 0; i < count; i++)
            Runtime.Router.Tell(new Register(new RouteSpec(Seq($"r{i}/"), "burst")), provider.Ref);

        for (var i = 0; i < count; i++)
        {
            var ack = await provider.ExpectMsgAsync<Registered>(Patience);
            Assert.False(Runtime.Routes.Snapshot.ValuesOf(ack.Route.Prefix.Span).IsEmpty, $"acknowledged {ack.Route.Prefix} before it was routed");
        }
        Assert.Equal(count, Runtime.Routes.Snapshot.ValueCount);
    }

    [Fact]
    public async Task A_prefix_of_exactly_max_prefix_bytes_is_accepted()
    {
        var provider = CreateTestProbe();

        await RegisterAsync(provider, "12345678");

        Assert.Single(RoutesOf("12345678"));
    }

    [Fact]
    public async Task A_prefix_over_max_prefix_bytes_is_refused_and_not_routed()
    {
        var provider = CreateTestProbe();
        var spec = new RouteSpec(Seq("123456789"), "long");

        Runtime.Router.Tell(new Register(spec), provider.Ref);

        var refusal = await provider.ExpectMsgAsync<RegistrationRefused>(Patience);
        Assert.Equal(spec, refusal.Route);
        Assert.Contains("9 bytes", refusal.Reason);
        Assert.Contains("8 bytes", refusal.Reason);
        Assert.Equal(0, Runtime.Routes.Snapshot.ValueCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_registration_without_a_module_name_is_refused(string module)
    {
        var provider = CreateTestProbe();
        var spec = new RouteSpec(Seq("a/"), module);

        Runtime.Router.Tell(new Register(spec), provider.Ref);

        var refusal = await provider.ExpectMsgAsync<RegistrationRefused>(Patience);
        Assert.Equal(spec, refusal.Route);
        Assert.Contains("module name", refusal.Reason);
        Assert.Empty(RoutesOf("a/"));
    }

    [Fact]
    public async Task Registering_the_same_prefix_again_replaces_the_route_and_its_flags()
    {
        var provider = CreateTestProbe();

        await RegisterAsync(provider, "r/", "first", pure: false);
        await RegisterAsync(provider, "r/", "second", pure: true);

        var route = Assert.Single(RoutesOf("r/"));
        Assert.Equal("second", route.Module);
        Assert.True(route.Pure);
    }

    [Fact]
    public async Task Unregister_removes_only_that_route_and_says_it_existed()
    {
        var provider = CreateTestProbe();
        await RegisterAsync(provider, "a/");
        await RegisterAsync(provider, "b/");

        Runtime.Router.Tell(new Unregister(Seq("a/")), provider.Ref);

        var ack = await provider.ExpectMsgAsync<Unregistered>(Patience);
        Assert.Equal(Seq("a/"), ack.Prefix);
        Assert.True(ack.Existed);
        Assert.Empty(RoutesOf("a/"));
        Assert.Single(RoutesOf("b/"));
    }

    [Fact]
    public async Task Unregister_of_an_unknown_route_says_it_did_not_exist()
    {
        var provider = CreateTestProbe();

        Runtime.Router.Tell(new Unregister(Seq("nothing/")), provider.Ref);

        var ack = await provider.ExpectMsgAsync<Unregistered>(Patience);
        Assert.Equal(Seq("nothing/"), ack.Prefix);
        Assert.False(ack.Existed);
    }

    [Fact]
    public async Task Unregister_by_another_provider_leaves_the_owners_route_alone()
    {
        var owner = CreateTestProbe();
        var stranger = CreateTestProbe();
        await RegisterAsync(owner, "a/");

        Runtime.Router.Tell(new Unregister(Seq("a/")), stranger.Ref);

        var ack = await stranger.ExpectMsgAsync<Unregistered>(Patience);
        Assert.False(ack.Existed);
        Assert.Equal(owner.Ref, Assert.Single(RoutesOf("a/")).Provider);
    }

    [Fact]
    public async Task A_provider_that_stops_takes_its_routes_with_it()
    {
        var leaving = CreateTestProbe();
        var staying = CreateTestProbe();
        await RegisterAsync(leaving, "a/");
        await RegisterAsync(leaving, "b/");
        await RegisterAsync(staying, "a/");

        Sys.Stop(leaving.Ref);

        await AwaitAssertAsync(() =>
        {
            Assert.Equal(staying.Ref, Assert.Single(RoutesOf("a/")).Provider);
            Assert.Empty(RoutesOf("b/"));
        }, Patience);
        Assert.Equal(1, Runtime.Routes.Snapshot.ValueCount);
    }

    // ---- routing ----

    [Fact]
    public async Task The_longest_prefix_wins_and_the_same_message_is_forwarded_with_the_sender_kept()
    {
        var shortProvider = CreateTestProbe();
        var longProvider = CreateTestProbe();
        var requester = CreateTestProbe();
        await RegisterAsync(shortProvider, "a/");
        await RegisterAsync(longProvider, "a/b/");

        var deep = Request(1, "a/b/c");
        requester.Send(Runtime.Router, deep);

        var received = await longProvider.ExpectMsgAsync<Complete>(Patience);
        Assert.Same(deep, received);
        Assert.Equal(requester.Ref, longProvider.LastSender);
        await shortProvider.ExpectNoMsgAsync(Quiet);

        var shallow = Request(2, "a/x");
        requester.Send(Runtime.Router, shallow);

        Assert.Same(shallow, await shortProvider.ExpectMsgAsync<Complete>(Patience));
        Assert.Equal(requester.Ref, shortProvider.LastSender);
        await longProvider.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_sequence_that_stops_inside_the_longer_prefix_goes_to_the_shorter_one()
    {
        var shortProvider = CreateTestProbe();
        var longProvider = CreateTestProbe();
        await RegisterAsync(shortProvider, "a/");
        await RegisterAsync(longProvider, "a/b/");

        Runtime.Router.Tell(Request(3, "a/b"), TestActor);

        Assert.Equal(Seq("a/b"), (await shortProvider.ExpectMsgAsync<Complete>(Patience)).Sequence);
        await longProvider.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task The_empty_prefix_gets_only_what_no_other_prefix_serves_and_is_listed_as_a_fallback()
    {
        var fallback = CreateTestProbe();
        var provider = CreateTestProbe();
        await RegisterAsync(fallback, "", "model");
        await RegisterAsync(provider, "a/");

        Runtime.Router.Tell(Request(4, "a/x"), TestActor);
        Assert.Equal(Seq("a/x"), (await provider.ExpectMsgAsync<Complete>(Patience)).Sequence);
        await fallback.ExpectNoMsgAsync(Quiet);

        Runtime.Router.Tell(Request(5, "b/x"), TestActor);
        Assert.Equal(Seq("b/x"), (await fallback.ExpectMsgAsync<Complete>(Patience)).Sequence);
        Runtime.Router.Tell(Request(6, ""), TestActor);
        Assert.Equal(0, (await fallback.ExpectMsgAsync<Complete>(Patience)).Sequence.Length);
        await provider.ExpectNoMsgAsync(Quiet);

        var views = Runtime.Routes.Views();
        Assert.True(Assert.Single(views, v => v.Module == "model").Fallback);
        Assert.False(Assert.Single(views, v => v.Module == "probe").Fallback);
    }

    [Fact]
    public async Task A_provider_reply_goes_straight_to_the_requester()
    {
        var provider = CreateTestProbe();
        var requester = CreateTestProbe();
        await RegisterAsync(provider, "a/");

        requester.Send(Runtime.Router, Request(4, "a/1"));
        var complete = await provider.ExpectMsgAsync<Complete>(Patience);
        provider.Reply(Completion.Kept(complete.Id, Seq("done"), "probe"));

        var completion = await requester.ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(4, completion.Id);
        Assert.Equal(provider.Ref, requester.LastSender);
    }

    [Fact]
    public async Task No_matching_prefix_answers_NoRoute_naming_the_sequence()
    {
        var provider = CreateTestProbe();
        var requester = CreateTestProbe();
        await RegisterAsync(provider, "a/");

        requester.Send(Runtime.Router, Request(5, "zzz"));

        var completion = await requester.ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(5, completion.Id);
        AssertStatus(CompletionStatus.NoRoute, completion);
        Assert.False(completion.IsCompleted);
        Assert.True(completion.Bytes.IsEmpty);
        Assert.Contains("zzz", completion.Reason);
        Assert.Equal($"router@{SelfAddress}", completion.Provider);
        await provider.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task An_empty_sequence_has_no_route()
    {
        await RegisterAsync(CreateTestProbe(), "a/");

        Runtime.Router.Tell(new Complete(6, Sequence.Empty, DeadlineIn(Patience)), TestActor);

        var completion = await ExpectMsgAsync<Completion>(Patience);
        AssertStatus(CompletionStatus.NoRoute, completion);
        Assert.False(string.IsNullOrWhiteSpace(completion.Reason));
    }

    [Fact]
    public async Task A_sequence_of_exactly_max_sequence_bytes_is_routed()
    {
        var provider = CreateTestProbe();
        await RegisterAsync(provider, "a/");

        Runtime.Router.Tell(new Complete(7, Seq("a/" + new string('x', 62)), DeadlineIn(Patience)), TestActor);

        Assert.Equal(64, (await provider.ExpectMsgAsync<Complete>(Patience)).Sequence.Length);
    }

    [Fact]
    public async Task A_sequence_over_max_sequence_bytes_is_TooLarge_and_reaches_no_provider()
    {
        var provider = CreateTestProbe();
        var requester = CreateTestProbe();
        await RegisterAsync(provider, "a/");

        requester.Send(Runtime.Router, new Complete(8, Seq("a/" + new string('x', 63)), DeadlineIn(Patience)));

        var completion = await requester.ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(8, completion.Id);
        AssertStatus(CompletionStatus.TooLarge, completion);
        Assert.Contains("65 bytes", completion.Reason);
        Assert.Contains("64 bytes", completion.Reason);
        Assert.Equal($"router@{SelfAddress}", completion.Provider);
        await provider.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task With_two_providers_of_one_prefix_exactly_one_gets_each_request()
    {
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        await RegisterAsync(first, "s/");
        await RegisterAsync(second, "s/");
        Assert.Equal(2, RoutesOf("s/").Count);

        var request = Request(9, "s/1");
        Runtime.Router.Tell(request, TestActor);

        await AwaitAssertAsync(() => Assert.True(first.HasMessages || second.HasMessages), Patience);
        var (chosen, other) = first.HasMessages ? (first, second) : (second, first);
        Assert.Same(request, await chosen.ExpectMsgAsync<Complete>(Patience));
        await other.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_local_provider_is_preferred_to_a_remote_one_registered_before_it()
    {
        var remoteTarget = CreateTestProbe();
        var remote = RemoteLooking(remoteTarget, "far");
        var local = CreateTestProbe();
        Runtime.Router.Tell(new Register(new RouteSpec(Seq("s/"), "svc")), remote);
        await remoteTarget.ExpectMsgAsync<Registered>(Patience);
        await RegisterAsync(local, "s/", "svc");

        var routes = RoutesOf("s/");
        Assert.Equal(2, routes.Count);
        Assert.Contains(routes, r => r.Node.Equals(remote.Path.Address) && r.Provider.Equals(remote));

        for (var id = 10; id < 13; id++)
        {
            var request = Request(id, "s/" + id);
            Runtime.Router.Tell(request, TestActor);
            Assert.Same(request, await local.ExpectMsgAsync<Complete>(Patience));
        }
        await remoteTarget.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_remote_provider_serves_when_it_is_the_only_one()
    {
        var remoteTarget = CreateTestProbe();
        var remote = RemoteLooking(remoteTarget, "only");
        Runtime.Router.Tell(new Register(new RouteSpec(Seq("s/"), "svc")), remote);
        await remoteTarget.ExpectMsgAsync<Registered>(Patience);

        var request = Request(20, "s/1");
        var requester = CreateTestProbe();
        requester.Send(Runtime.Router, request);

        Assert.Same(request, await remoteTarget.ExpectMsgAsync<Complete>(Patience));
        Assert.Equal(requester.Ref, remoteTarget.LastSender);
        Assert.Equal($"svc@{remote.Path.Address}", Assert.Single(RoutesOf("s/")).ProviderName);
    }

    private FakeRemoteRef RemoteLooking(TestProbe target, string name)
    {
        var address = new Address("akka.tcp", "elsewhere", "10.0.0.9", 2552);
        var path = new RootActorPath(address) / "user" / name;
        return new FakeRemoteRef(path, ((ExtendedActorSystem)Sys).Provider, target.Ref);
    }
}
