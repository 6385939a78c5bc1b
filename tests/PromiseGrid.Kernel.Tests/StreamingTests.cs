using System.Collections.Concurrent;

namespace PromiseGrid.Kernel.Tests;

/// <summary>Completions sent piece by piece: parts go only to requesters that asked, in order, ahead of the whole.</summary>
public sealed class StreamingTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    [Fact]
    public async Task A_streaming_requester_gets_every_part_in_order_and_then_the_whole_completion()
    {
        await StartModuleAsync(Props.Create<StreamingModule>(), "parts/");
        var parts = new ConcurrentQueue<string>();

        var completion = await Bounded(Grid.CompleteAsync(Seq("parts/hello"), capability: null, onPart: part => parts.Enqueue(Text(part))));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(["h", "e", "l", "l", "o"], parts);
        Assert.Equal("hello|streamed", Text(completion.Bytes));
    }

    [Fact]
    public async Task A_requester_that_did_not_ask_gets_no_parts_and_the_module_knows()
    {
        await StartModuleAsync(Props.Create<StreamingModule>(), "parts/");
        var requester = CreateTestProbe();

        requester.Send(Runtime.Router, new Complete(9, Seq("parts/abc"), DeadlineIn(Patience)));

        var completion = await requester.ExpectMsgAsync<Completion>(Patience); // a part first would fail this
        Assert.Equal("abc|whole", Text(completion.Bytes));
    }

    [Fact]
    public async Task Parts_go_to_the_requester_as_messages_before_the_completion()
    {
        await StartModuleAsync(Props.Create<StreamingModule>(), "parts/");
        var requester = CreateTestProbe();

        requester.Send(Runtime.Router, new Complete(10, Seq("parts/ab"), DeadlineIn(Patience), Stream: true));

        Assert.Equal(new CompletionPart(10, Seq("a")), await requester.ExpectMsgAsync<CompletionPart>(Patience));
        Assert.Equal(new CompletionPart(10, Seq("b")), await requester.ExpectMsgAsync<CompletionPart>(Patience));
        Assert.Equal("ab|streamed", Text((await requester.ExpectMsgAsync<Completion>(Patience)).Bytes));
    }

    [Fact]
    public async Task A_module_that_sends_no_parts_still_completes_a_streaming_request()
    {
        await StartModuleAsync(Props.Create<EchoTestModule>(), "e/");
        var parts = 0;

        var completion = await Bounded(Grid.CompleteAsync(Seq("e/whole"), null, _ => Interlocked.Increment(ref parts)));

        Assert.Equal("whole", Text(completion.Bytes));
        Assert.Equal(0, parts);
    }
}
