using PromiseGrid.Kernel.Modules;
using PromiseGrid.Modules.Wasm;

namespace PromiseGrid.Modules.Tests.Wasm;

/// <summary>The wasm module's worker threads: where guests run, how many, and what they carry along.</summary>
public sealed class WasmWorkersTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private static readonly AsyncLocal<string?> Ambient = new();

    private static DateTimeOffset Later => DateTimeOffset.UtcNow + Patience;

    [Fact]
    public async Task Work_runs_on_a_dedicated_thread_in_the_execution_context_that_queued_it()
    {
        using var workers = new WasmWorkers(maxRunning: 1, maxThreads: 2, maxQueued: 4);
        Ambient.Value = "request 42";

        var (ambient, pooled, name) = await workers.RunAsync(
            () => (Ambient.Value, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name), Later).WaitAsync(Patience);

        Assert.Equal("request 42", ambient);
        Assert.False(pooled);
        Assert.Equal("wasm-worker", name);
    }

    [Fact]
    public async Task A_worker_blocked_on_the_grid_lets_queued_work_run_with_one_running_slot()
    {
        using var workers = new WasmWorkers(maxRunning: 1, maxThreads: 4, maxQueued: 4);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The outer work waits for the inner, as a guest waits in grid.complete for a guest it called.
        var outer = workers.RunAsync(() =>
        {
            started.SetResult();
            using (workers.Blocking())
                return inner.Task.Wait(Patience);
        }, Later);
        await started.Task.WaitAsync(Patience);
        var innerRun = workers.RunAsync(() => inner.TrySetResult(), Later);

        Assert.True(await innerRun.WaitAsync(Patience));
        Assert.True(await outer.WaitAsync(Patience), "the outer work timed out waiting: the inner never got the running slot");
    }

    [Fact]
    public async Task Work_past_the_queue_is_refused_as_overloaded_at_once()
    {
        using var workers = new WasmWorkers(maxRunning: 1, maxThreads: 1, maxQueued: 0);
        var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = workers.RunAsync(() =>
        {
            started.SetResult();
            return release.Wait(Patience);
        }, Later);
        await started.Task.WaitAsync(Patience);

        var refused = Assert.Throws<CompletionRefusedException>(() => { _ = workers.RunAsync(() => 0, Later); });

        release.Set();
        Assert.True(await busy.WaitAsync(Patience));
        Assert.Equal(CompletionStatus.Overloaded, refused.Status);
        Assert.Contains("promisegrid.wasm.max-concurrency", refused.Message);
        Assert.Equal(7, await workers.RunAsync(() => 7, Later).WaitAsync(Patience));
    }

    [Fact]
    public async Task Work_taken_after_its_deadline_is_a_broken_promise_and_does_not_run()
    {
        using var workers = new WasmWorkers(maxRunning: 1, maxThreads: 1, maxQueued: 4);
        var ran = false;

        var late = workers.RunAsync(() => ran = true, DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1));

        var refused = await Assert.ThrowsAsync<CompletionRefusedException>(() => late.WaitAsync(Patience));
        Assert.Equal(CompletionStatus.BrokenPromise, refused.Status);
        Assert.False(ran);
    }
}
