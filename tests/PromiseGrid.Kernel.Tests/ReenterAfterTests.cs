namespace PromiseGrid.Kernel.Tests;

/// <summary>ModuleActor.ReenterAfter: continuations of asynchronous work run on the module's thread, one at a time.</summary>
public sealed class ReenterAfterTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    private const int Requests = 500;

    [Fact]
    public async Task Hundreds_of_concurrent_async_requests_change_the_modules_state_without_losing_an_update()
    {
        await StartModuleAsync<EchoTestModule>();
        await StartModuleAsync<CounterModule>();

        var completions = await Task.WhenAll(Enumerable.Range(0, Requests)
            .Select(i => Grid.CompleteAsync(Seq(i % 2 == 0 ? "count/add" : "count/async-add")))).WaitAsync(Patience);

        Assert.All(completions, completion => AssertStatus(CompletionStatus.Completed, completion));
        // Each continuation saw the count the previous one left: every value from 1 to N once.
        Assert.Equal(Enumerable.Range(1, Requests), completions.Select(c => int.Parse(Text(c.Bytes))).Order());
        AssertCompleted(Requests.ToString(), await CompleteAsync("count/get"));
    }

    [Fact]
    public async Task A_failing_task_fails_just_that_request_with_ModuleFailed_and_skips_the_continuation()
    {
        await StartModuleAsync<EchoTestModule>();
        await StartModuleAsync<CounterModule>();

        var failed = await CompleteAsync("count/fail-task");

        AssertStatus(CompletionStatus.ModuleFailed, failed);
        Assert.Equal("InvalidOperationException: lookup failed", failed.Reason);
        AssertCompleted("0", await CompleteAsync("count/get"));
        AssertCompleted("1", await CompleteAsync("count/add"));
    }

    [Fact]
    public async Task A_failing_continuation_fails_just_that_request_with_ModuleFailed()
    {
        await StartModuleAsync<EchoTestModule>();
        await StartModuleAsync<CounterModule>();

        var failed = await CompleteAsync("count/fail-continuation");

        AssertStatus(CompletionStatus.ModuleFailed, failed);
        Assert.Equal("ArgumentException: continuation failed", failed.Reason);
        AssertCompleted("1", await CompleteAsync("count/add"));
    }

    [Fact]
    public async Task A_task_cancelled_at_the_deadline_is_a_broken_promise_not_a_module_failure()
    {
        var module = await StartModuleAsync<CounterModule>();

        module.Tell(new Complete(7, Seq("count/hang"), DeadlineIn(TimeSpan.FromMilliseconds(200))), TestActor);

        var completion = await ExpectMsgAsync<Completion>(Patience);
        Assert.Equal(7, completion.Id);
        AssertStatus(CompletionStatus.BrokenPromise, completion);
        Assert.Contains("gave up at the deadline", completion.Reason);
        AssertCompleted("0", await CompleteAsync("count/get"));
    }
}
