namespace PromiseGrid.Kernel.Tests;

/// <summary>Hops: how deeply modules nest completions, and the limit that ends a module calling itself.</summary>
public sealed class RequestNestingTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    [Fact]
    public async Task A_request_from_outside_the_grid_has_no_hops()
    {
        await StartModuleAsync(Props.Create<HopsReportModule>(), "hops/");

        var completion = await Bounded(Grid.CompleteAsync(Seq("hops/")));

        Assert.Equal("0", Text(completion.Bytes));
    }

    [Fact]
    public async Task Each_module_on_the_way_adds_one_hop_without_passing_anything_along()
    {
        await StartModuleAsync(Props.Create<HopsReportModule>(), "hops/");
        await StartModuleAsync(Props.Create<RelayModule>(), "relay/");

        var once = await Bounded(Grid.CompleteAsync(Seq("relay/hops/")));
        var twice = await Bounded(Grid.CompleteAsync(Seq("relay/relay/hops/")));

        Assert.Equal("Completed:1", Text(once.Bytes));
        Assert.Equal("Completed:Completed:2", Text(twice.Bytes));
    }

    [Fact]
    public async Task A_module_calling_itself_ends_with_TooDeep_at_the_limit_instead_of_running_until_the_deadline()
    {
        await StartModuleAsync(Props.Create<SelfCallingModule>(), "loop/");
        var limit = Grid.Settings.MaxHops;

        var completion = await Bounded(Grid.CompleteAsync(Seq("loop/x"), TimeSpan.FromSeconds(30)));

        // Every level answered in turn; the innermost module (at the limit) was refused by the router.
        AssertStatus(CompletionStatus.Completed, completion);
        var text = Text(completion.Bytes);
        Assert.StartsWith($"{limit}:{CompletionStatus.TooDeep}:request nested {limit + 1} deep, over the limit of {limit}", text);
        Assert.Contains("promisegrid.max-hops", text);
    }

    [Theory]
    [InlineData(16, CompletionStatus.Completed)]
    [InlineData(17, CompletionStatus.TooDeep)]
    [InlineData(int.MaxValue, CompletionStatus.TooDeep)]
    public async Task The_router_serves_up_to_max_hops_and_refuses_beyond(int hops, CompletionStatus expected)
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");
        Assert.Equal(16, Grid.Settings.MaxHops); // reference.conf's default
        var requester = CreateTestProbe();

        requester.Send(Runtime.Router, new Complete(7, Seq("e/x"), DeadlineIn(Patience), Hops: hops));

        var completion = await requester.ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(7, completion.Id);
        AssertStatus(expected, completion);
        if (expected == CompletionStatus.TooDeep) Assert.StartsWith("router@", completion.Provider);
    }
}
