using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Kernel.Tests.Caching;

/// <summary>A module's node answers a repeated pure request from its cache: the module runs once.</summary>
public sealed class CachedModuleTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    [Fact]
    public async Task A_repeated_request_for_a_pure_route_runs_the_module_once()
    {
        var calls = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new CountingModule(calls.Ref, true)), "count/");

        var first = await Grid.CompleteAsync(Seq("count/a"));
        var second = await Grid.CompleteAsync(Seq("count/a"));
        var other = await Grid.CompleteAsync(Seq("count/b"));

        Assert.Equal("a", Text(first.Bytes));
        Assert.Equal("a", Text(second.Bytes));
        Assert.Equal("b", Text(other.Bytes));
        await calls.ExpectMsgAsync("count/a", Patience);
        await calls.ExpectMsgAsync("count/b", Patience);
        await calls.ExpectNoMsgAsync(Quiet);
        Assert.Equal(1, Runtime.Cache.Hits);
        Assert.Equal(2, Runtime.Cache.Misses);
    }

    [Fact]
    public async Task A_route_that_is_not_pure_is_never_cached()
    {
        var calls = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new CountingModule(calls.Ref, false)), "count/");

        await Grid.CompleteAsync(Seq("count/a"));
        await Grid.CompleteAsync(Seq("count/a"));

        await calls.ExpectMsgAsync("count/a", Patience);
        await calls.ExpectMsgAsync("count/a", Patience);
        Assert.Equal(0, Runtime.Cache.Count);
        Assert.Equal(0, Runtime.Cache.Misses);
    }

    [Fact]
    public async Task A_failed_completion_is_not_cached()
    {
        var calls = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new CountingModule(calls.Ref, true)), "count/");

        AssertStatus(CompletionStatus.ModuleFailed, await Grid.CompleteAsync(Seq("count/fail")));
        AssertStatus(CompletionStatus.ModuleFailed, await Grid.CompleteAsync(Seq("count/fail")));

        await calls.ExpectMsgAsync("count/fail", Patience);
        await calls.ExpectMsgAsync("count/fail", Patience);
        Assert.Equal(0, Runtime.Cache.Count);
    }

    [Fact]
    public async Task With_the_cache_off_every_request_runs_its_module()
    {
        using var system = ActorSystem.Create("no-cache", ConfigurationFactory.ParseString($"""
            {LocalConfig}
            promisegrid.cache.enabled = off
            """).WithFallback(GridSettings.DefaultConfig()));
        var grid = PromiseGrid.Kernel.Client.Grid.GetRuntime(system);
        var calls = CreateTestProbe(system);
        system.ActorOf(Props.Create(() => new CountingModule(calls.Ref, true)));
        await AwaitAssertAsync(() => Assert.NotEmpty(grid.Routes.Snapshot.ValuesOf(Seq("count/").Span)), Patience);

        await grid.CompleteAsync(Seq("count/a"));
        await grid.CompleteAsync(Seq("count/a"));

        await calls.ExpectMsgAsync("count/a", Patience);
        await calls.ExpectMsgAsync("count/a", Patience);
        Assert.Equal(0, grid.Cache.Hits);
        await system.Terminate();
    }

    [Fact]
    public async Task A_cached_completion_is_given_only_to_requesters_the_capability_check_lets_in()
    {
        using var root = GridKey.Generate();
        using var system = ActorSystem.Create("checking", ConfigurationFactory.ParseString($"""
            {LocalConfig}
            promisegrid.security.trust = "{root.PublicKeyText}"
            """).WithFallback(GridSettings.DefaultConfig()));
        var grid = PromiseGrid.Kernel.Client.Grid.GetRuntime(system);
        system.ActorOf(Props.Create(() => new CountingModule(ActorRefs.Nobody, true)));
        await AwaitAssertAsync(() => Assert.NotEmpty(grid.Routes.Snapshot.ValuesOf(Seq("count/").Span)), Patience);
        var token = CapabilityToken.Issue(root, Seq("count/").Span, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));

        AssertStatus(CompletionStatus.Completed, await grid.CompleteAsync(Seq("count/a"), new Capability(token.Encoded)));
        var withoutToken = await grid.CompleteAsync(Seq("count/a"), capability: null);

        AssertStatus(CompletionStatus.Denied, withoutToken);
        Assert.Equal(1, grid.Cache.Count);
        Assert.Equal(0, grid.Cache.Hits);
        await system.Terminate();
    }

    /// <summary><c>count/</c>: answers the rest (fails on "fail") and tells the observer each sequence it really computed.</summary>
    private sealed class CountingModule(IActorRef observer, bool pure) : ModuleActor("counting", "count/")
    {
        protected override bool Pure => pure;

        protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
        {
            observer.Tell(Utf8.From(request.Sequence));
            if (Utf8.From(request.Rest) == "fail") throw new InvalidOperationException("asked to fail");
            return ValueTask.FromResult(request.Rest);
        }
    }
}
