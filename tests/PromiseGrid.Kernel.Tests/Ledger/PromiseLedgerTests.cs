using PromiseGrid.Kernel.Ledger;

namespace PromiseGrid.Kernel.Tests.Ledger;

/// <summary>The ledger and its records, without actors: counts, decay, latency, outcome rules, concurrency.</summary>
public sealed class PromiseLedgerTests
{
    private static readonly Sequence Prefix = Sequence.FromText("slow/");

    [Fact]
    public void A_new_record_is_empty_and_fully_trusted()
    {
        var record = new PromiseLedger().For("slow@node-a", Prefix);

        Assert.Equal("slow@node-a", record.Provider);
        Assert.Equal(Prefix, record.Prefix);
        Assert.Equal(0, record.Kept);
        Assert.Equal(0, record.Broken);
        Assert.Equal(1.0, record.Score);
        Assert.Null(record.LatencyMs);
        Assert.Null(record.LastBrokenReason);
    }

    [Fact]
    public void Kept_and_broken_promises_are_counted_and_the_last_reason_kept()
    {
        var record = new PromiseRecord("slow@node-a", Prefix);

        record.RecordKept(TimeSpan.FromMilliseconds(3));
        record.RecordKept(TimeSpan.FromMilliseconds(3));
        record.RecordBroken("first");
        record.RecordKept(TimeSpan.FromMilliseconds(3));
        record.RecordBroken("second");

        Assert.Equal(3, record.Kept);
        Assert.Equal(2, record.Broken);
        Assert.Equal("second", record.LastBrokenReason);
    }

    [Fact]
    public void A_broken_promise_without_a_reason_says_so_and_a_long_reason_is_cut()
    {
        var record = new PromiseRecord("p@n", Prefix);

        record.RecordBroken(null);
        Assert.Equal("(no reason given)", record.LastBrokenReason);

        record.RecordBroken(new string('x', 5000));
        Assert.True(record.LastBrokenReason!.Length <= 201, $"{record.LastBrokenReason.Length} chars kept");
    }

    [Fact]
    public void Each_outcome_moves_the_score_a_tenth_of_the_way()
    {
        var record = new PromiseRecord("p@n", Prefix);

        record.RecordBroken("x");
        Assert.Equal(0.9, record.Score, 12);
        record.RecordBroken("x");
        Assert.Equal(0.81, record.Score, 12);
        record.RecordKept(TimeSpan.Zero);
        Assert.Equal(0.829, record.Score, 12);
    }

    [Fact]
    public void Old_broken_promises_decay_so_a_provider_that_kept_50_since_is_trusted_again()
    {
        var record = new PromiseRecord("p@n", Prefix);
        for (var i = 0; i < 5; i++) record.RecordBroken("down");
        Assert.True(record.Score < 0.6, $"score {record.Score} after 5 broken");

        for (var i = 0; i < 50; i++) record.RecordKept(TimeSpan.FromMilliseconds(1));

        Assert.True(record.Score > 0.99, $"score {record.Score} after 50 kept");
        Assert.Equal(5, record.Broken); // the counts stay a lifetime history
        Assert.Equal(50, record.Kept);
    }

    [Fact]
    public void Scores_order_providers_by_recent_reliability()
    {
        var steady = new PromiseRecord("steady@n", Prefix);
        var recovered = new PromiseRecord("recovered@n", Prefix);
        var failingNow = new PromiseRecord("failing-now@n", Prefix);
        var failingMore = new PromiseRecord("failing-more@n", Prefix);
        for (var i = 0; i < 10; i++) steady.RecordKept(TimeSpan.Zero);
        // The same one broken promise in ten outcomes: long ago weighs less than just now.
        recovered.RecordBroken("x");
        for (var i = 0; i < 9; i++) recovered.RecordKept(TimeSpan.Zero);
        for (var i = 0; i < 9; i++) failingNow.RecordKept(TimeSpan.Zero);
        failingNow.RecordBroken("x");
        for (var i = 0; i < 7; i++) failingMore.RecordKept(TimeSpan.Zero);
        for (var i = 0; i < 3; i++) failingMore.RecordBroken("x");

        Assert.True(steady.Score > recovered.Score);
        Assert.True(recovered.Score > failingNow.Score);
        Assert.True(failingNow.Score > failingMore.Score);
    }

    [Fact]
    public void Latency_is_an_exponentially_weighted_mean_of_kept_promises_only()
    {
        var record = new PromiseRecord("p@n", Prefix);

        record.RecordKept(TimeSpan.FromMilliseconds(10));
        Assert.Equal(10, record.LatencyMs!.Value, 9);
        record.RecordKept(TimeSpan.FromMilliseconds(20));
        Assert.Equal(11, record.LatencyMs!.Value, 9);
        record.RecordBroken("a broken promise has no latency");
        Assert.Equal(11, record.LatencyMs!.Value, 9);
        record.RecordKept(TimeSpan.FromMilliseconds(1));
        Assert.Equal(10, record.LatencyMs!.Value, 9);
    }

    [Fact]
    public async Task Parallel_recording_loses_no_count()
    {
        var record = new PromiseRecord("p@n", Prefix);
        const int Threads = 8;
        const int Each = 20_000;

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < Each; i++)
            {
                if ((i + t) % 2 == 0) record.RecordKept(TimeSpan.FromMilliseconds(5));
                else record.RecordBroken("x");
            }
        })));

        Assert.Equal(Threads * Each / 2, record.Kept);
        Assert.Equal(Threads * Each / 2, record.Broken);
        // Every latency sample was 5 ms, so a mean that lost or tore an update would show it.
        Assert.Equal(5, record.LatencyMs!.Value, 9);
        Assert.InRange(record.Score, 0.0, 1.0);
    }

    [Theory]
    [InlineData(CompletionStatus.Completed, PromiseOutcome.Kept)]
    [InlineData(CompletionStatus.BrokenPromise, PromiseOutcome.Broken)]
    [InlineData(CompletionStatus.ModuleFailed, PromiseOutcome.Broken)]
    [InlineData(CompletionStatus.NoRoute, PromiseOutcome.NotCounted)]
    [InlineData(CompletionStatus.Denied, PromiseOutcome.NotCounted)]
    [InlineData(CompletionStatus.TooLarge, PromiseOutcome.NotCounted)]
    [InlineData(CompletionStatus.Overloaded, PromiseOutcome.NotCounted)]
    [InlineData(CompletionStatus.BadRequest, PromiseOutcome.NotCounted)]
    [InlineData(CompletionStatus.TooDeep, PromiseOutcome.NotCounted)]
    public void Only_completions_deadlines_and_module_failures_are_the_providers_promise(CompletionStatus status, object expected)
    {
        // object, not PromiseOutcome: a public theory cannot take the kernel's internal enum.
        Assert.Equal(expected, PromiseLedger.OutcomeOf(status));
    }

    [Fact]
    public void The_same_provider_and_prefix_is_one_record_and_a_different_prefix_another()
    {
        var ledger = new PromiseLedger();

        var first = ledger.For("p@n", Sequence.FromText("a/"));
        var again = ledger.For("p@n", Sequence.CopyOf("a/"u8));
        var otherPrefix = ledger.For("p@n", Sequence.FromText("b/"));
        var otherProvider = ledger.For("q@n", Sequence.FromText("a/"));

        Assert.Same(first, again);
        Assert.NotSame(first, otherPrefix);
        Assert.NotSame(first, otherProvider);
        Assert.Equal(3, ledger.Count);
        Assert.True(ledger.TryGet("p@n", Sequence.FromText("a/"), out var found));
        Assert.Same(first, found);
        Assert.False(ledger.TryGet("p@n", Sequence.FromText("c/"), out _));
    }

    [Fact]
    public void The_ledger_keeps_its_own_copy_of_a_prefix_read_from_a_larger_buffer()
    {
        var ledger = new PromiseLedger();
        var buffer = "xx/a/yyyy"u8.ToArray();

        var record = ledger.For("p@n", new Sequence(buffer.AsMemory(3, 2)));
        buffer.AsSpan().Fill((byte)'z');

        Assert.Equal(Sequence.FromText("a/"), record.Prefix);
        Assert.True(ledger.TryGet("p@n", Sequence.FromText("a/"), out _));
    }

    [Fact]
    public void Records_and_views_are_sorted_by_prefix_bytes_then_provider()
    {
        var ledger = new PromiseLedger();
        ledger.For("z@n", Sequence.FromText("b/"));
        ledger.For("b@n", Sequence.FromText(@"a/\xff"));
        ledger.For("a@n", Sequence.FromText("b/"));
        ledger.For("c@n", Sequence.FromText("a/"));

        Assert.Equal(["c@n a/", @"b@n a/\xff", "a@n b/", "z@n b/"],
            ledger.Records().Select(r => $"{r.Provider} {r.Prefix}"));
        Assert.Equal(["a/", @"a/\xff", "b/", "b/"], ledger.Views().Select(v => v.Prefix));
    }

    [Fact]
    public void A_view_shows_notation_hex_counts_rounded_latency_score_and_reason()
    {
        var record = new PromiseRecord("slow@node-a", Sequence.FromText(@"s\x00/"));
        record.RecordKept(TimeSpan.FromTicks(12_345_678)); // 1234.5678 ms
        record.RecordBroken("too slow");

        var view = LedgerView.Of(record);

        Assert.Equal(new LedgerView("slow@node-a", @"s\x00/", "73002f", 1, 1, 1234.568, 0.9, "too slow"), view);
    }
}
