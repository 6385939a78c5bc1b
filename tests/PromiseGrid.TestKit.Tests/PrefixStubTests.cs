using System.Text;

namespace PromiseGrid.TestKit.Tests;

/// <summary>Stubs fake the prefixes a module under test calls, and record what it asked.</summary>
public sealed class PrefixStubTests(ITestOutputHelper output) : GridTestKit(output)
{
    [Fact]
    public async Task A_module_calling_a_stubbed_prefix_gets_the_stubs_answer_and_the_stub_records_the_call()
    {
        var hash = await StubPrefixAsync("hash/sha256/", sequence => Sequence.FromUtf8($"h{sequence.Length}"));
        await StartModuleAsync<DigestModule>();

        var completion = await CompleteAsync("digest/abc");

        AssertCompleted("abc=h15", completion);
        Assert.Equal([Sequence.FromText("hash/sha256/abc")], hash.Received);
        Assert.Equal(Sequence.FromText("hash/sha256/"), hash.Prefix);
    }

    [Fact]
    public async Task A_stub_records_every_sequence_in_the_order_it_was_sent()
    {
        var hash = await StubPrefixAsync("hash/sha256/", "x");
        await StartModuleAsync<DigestModule>();

        AssertCompleted("one=x", await CompleteAsync("digest/one"));
        AssertCompleted("two=x", await CompleteAsync("digest/two"));

        Assert.Equal(["hash/sha256/one", "hash/sha256/two"], hash.Received.Select(s => Encoding.UTF8.GetString(s.Span)));
    }

    [Fact]
    public async Task A_stub_can_answer_a_failure_status()
    {
        await StubPrefixAsync("hash/sha256/", CompletionStatus.Overloaded, "busy");
        await StartModuleAsync<DigestModule>();

        AssertCompleted("abc!Overloaded", await CompleteAsync("digest/abc"));
        var direct = await CompleteAsync("hash/sha256/abc");
        AssertStatus(CompletionStatus.Overloaded, direct);
        Assert.Equal("busy", direct.Reason);
    }

    [Fact]
    public async Task Without_a_stub_the_modules_call_finds_no_route()
    {
        await StartModuleAsync<DigestModule>();

        AssertCompleted("abc!NoRoute", await CompleteAsync("digest/abc"));
    }

    [Fact]
    public async Task Stopping_a_stubs_module_takes_its_prefix_away()
    {
        var hash = await StubPrefixAsync("hash/sha256/", "x");
        Watch(hash.Module);

        Sys.Stop(hash.Module);
        await ExpectTerminatedAsync(hash.Module, Patience);

        await AwaitAssertAsync(async () => AssertStatus(CompletionStatus.NoRoute, await CompleteAsync("hash/sha256/abc")), Patience);
    }
}
