namespace PromiseGrid.Node.Tests.Harness;

/// <summary>Waits for a condition on an outside process, which offers no event to await.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up after {timeout.TotalSeconds:0.#} s: {describe()}");
            await Task.Delay(Interval);
        }
    }
}
