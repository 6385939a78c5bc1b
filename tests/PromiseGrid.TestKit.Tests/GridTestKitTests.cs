using Xunit.Sdk;

namespace PromiseGrid.TestKit.Tests;

/// <summary>The TestKit itself: starting modules, completing sequences, its assertions.</summary>
public sealed class GridTestKitTests(ITestOutputHelper output) : GridTestKit(LocalConfig + "\npromisegrid.max-prefix-bytes = 32", output)
{
    [Fact]
    public async Task A_started_module_completes_sequences_in_text_notation_and_bytes()
    {
        await StartModuleAsync<UpperModule>();

        AssertCompleted("ABC", await CompleteAsync("upper/abc"));
        AssertCompleted(Sequence.FromUtf8("XY"), await CompleteAsync(Sequence.FromUtf8("upper/xy")));
    }

    [Fact]
    public async Task A_module_started_from_props_is_routed_when_the_start_returns()
    {
        var module = await StartModuleAsync(Props.Create<UpperModule>());

        var completion = await CompleteAsync("upper/q");

        AssertCompleted("Q", completion);
        Assert.StartsWith("upper@", completion.Provider);
        Assert.False(module.IsNobody());
    }

    [Fact]
    public async Task Starting_a_module_whose_prefix_the_router_refuses_fails_with_the_reason()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartModuleAsync<OversizePrefixModule>());

        Assert.Contains("refused", error.Message);
        Assert.Contains("over the limit", error.Message);
    }

    [Fact]
    public async Task A_sequence_nobody_serves_answers_NoRoute()
    {
        AssertStatus(CompletionStatus.NoRoute, await CompleteAsync("nobody/x"));
    }

    [Fact]
    public async Task AssertCompleted_fails_on_other_bytes_and_on_another_status()
    {
        await StartModuleAsync<UpperModule>();
        var completed = await CompleteAsync("upper/abc");
        var unrouted = await CompleteAsync("nobody/abc");

        var wrongBytes = Assert.ThrowsAny<XunitException>(() => AssertCompleted("abc", completed));
        var wrongStatus = Assert.ThrowsAny<XunitException>(() => AssertCompleted("ABC", unrouted));

        Assert.Contains("'ABC'", wrongBytes.Message);
        Assert.Contains("NoRoute", wrongStatus.Message);
    }

    [Fact]
    public async Task AssertStatus_fails_naming_the_status_and_reason_it_got()
    {
        var unrouted = await CompleteAsync("nobody/abc");

        var error = Assert.ThrowsAny<XunitException>(() => AssertStatus(CompletionStatus.Completed, unrouted));

        Assert.Contains("NoRoute", error.Message);
        Assert.Contains(unrouted.Reason!, error.Message);
    }
}
