using PromiseGrid.Modules.Gpt;

namespace PromiseGrid.Modules.Tests.Gpt;

/// <summary>The bound on running and waiting generations.</summary>
public sealed class GenerationGateTests
{
    [Fact]
    public void Admits_running_plus_queued_requests_and_turns_away_the_next_until_one_leaves()
    {
        var gate = new GenerationGate(concurrency: 2, maxQueued: 1);

        Assert.True(gate.TryAdmit());
        Assert.True(gate.TryAdmit());
        Assert.True(gate.TryAdmit());
        Assert.False(gate.TryAdmit());
        Assert.Equal(3, gate.Admitted);

        gate.Leave();
        Assert.True(gate.TryAdmit());
        Assert.False(gate.TryAdmit());
    }

    [Fact]
    public async Task Only_concurrency_turns_run_at_once_and_a_waiter_runs_when_one_ends()
    {
        var gate = new GenerationGate(concurrency: 1, maxQueued: 5);
        await gate.WaitTurnAsync(CancellationToken.None);

        var waiting = gate.WaitTurnAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        gate.EndTurn();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_cancelled_wait_takes_no_turn()
    {
        var gate = new GenerationGate(concurrency: 1, maxQueued: 5);
        await gate.WaitTurnAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = gate.WaitTurnAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        gate.EndTurn();
        Assert.True(gate.WaitTurnAsync(CancellationToken.None).IsCompletedSuccessfully);
    }
}
