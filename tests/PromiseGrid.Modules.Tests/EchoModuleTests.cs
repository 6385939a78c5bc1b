namespace PromiseGrid.Modules.Tests;

public sealed class EchoModuleTests(ITestOutputHelper output) : ModuleTestKit(LocalConfig, output)
{
    [Fact]
    public async Task Echo_completes_with_every_byte_value_exactly()
    {
        await StartModuleAsync(EchoModule.Props(), "echo/");
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        var completion = await CompleteAsync(Sequence.FromText("echo/").Concat(new Sequence(all)));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(all, completion.Bytes.Span.ToArray());
        Assert.Equal($"echo@{SelfAddress}", completion.Provider);
    }

    [Fact]
    public async Task Echo_of_its_bare_prefix_is_an_empty_completion()
    {
        await StartModuleAsync(EchoModule.Props(), "echo/");

        var completion = await CompleteAsync("echo/");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.True(completion.Bytes.IsEmpty);
    }

    [Fact]
    public async Task Echo_is_not_registered_pure_so_the_cache_does_not_hold_requests_twice()
    {
        await StartModuleAsync(EchoModule.Props(), "echo/");

        var route = Assert.Single(Runtime.Routes.Snapshot.ValuesOf(Sequence.FromText("echo/").Span));
        Assert.Equal("echo", route.Module);
        Assert.False(route.Pure);
    }

    [Theory]
    [InlineData("echo")]
    [InlineData("ech")]
    [InlineData("echO/x")]
    public async Task Sequences_outside_echo_slash_have_no_route(string notation)
    {
        await StartModuleAsync(EchoModule.Props(), "echo/");

        AssertStatus(CompletionStatus.NoRoute, await CompleteAsync(notation));
    }

    [Fact]
    public async Task Echo_of_the_largest_allowed_sequence_returns_all_of_it()
    {
        await StartModuleAsync(EchoModule.Props(), "echo/");
        var body = new byte[Grid.Settings.MaxSequenceBytes - 5];
        new Random(7).NextBytes(body);

        var completion = await CompleteAsync(Sequence.FromText("echo/").Concat(new Sequence(body)));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.True(body.AsSpan().SequenceEqual(completion.Bytes.Span));
    }
}
