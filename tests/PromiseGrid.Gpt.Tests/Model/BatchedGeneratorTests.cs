using PromiseGrid.Gpt.Model;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Model;

/// <summary>
/// Continuous batching: streams of different prompts and options, generated together, each get
/// the bytes <see cref="Generator.Generate"/> gives them alone, whether they start together,
/// join a running batch, wait for a place, or run beside streams that stop or are cancelled.
/// </summary>
public sealed class BatchedGeneratorTests
{
    // Context 8: windows fill and are cut (a stream reloads its window while the others step).
    private static readonly GptModel Model = TinyGpt.Model(seed: 4, layers: 2, dim: 32, heads: 4, context: 8);

    private static readonly (byte[] Prompt, int Count, SamplingOptions Options)[] Requests =
    [
        ("grid"u8.ToArray(), 40, new SamplingOptions(0f, 0, 0)),
        ("grid"u8.ToArray(), 40, new SamplingOptions(0.8f, 5, 8)),
        ("grid"u8.ToArray(), 33, new SamplingOptions(0.8f, 5, 9)),
        ([], 25, new SamplingOptions(1f, 0, 7)),
        (TinyGpt.RandomBytes(6, 20), 17, new SamplingOptions(1.3f, 40, 3)),
        ("x"u8.ToArray(), 60, new SamplingOptions(1f, 0, 1, StopByte: StopAfter("x"u8.ToArray(), new SamplingOptions(1f, 0, 1), 10))),
        ("once upon a time"u8.ToArray(), 1, new SamplingOptions(0.5f, 3, 2)),
        ("a"u8.ToArray(), 0, new SamplingOptions(0.5f, 3, 2)),
    ];

    /// <summary>A stop byte that this prompt and these options draw within <paramref name="bytes"/> bytes.</summary>
    private static byte StopAfter(byte[] prompt, SamplingOptions options, int bytes) =>
        new Generator(TinyGpt.Model(seed: 4, layers: 2, dim: 32, heads: 4, context: 8)).Generate(prompt, bytes, options)[bytes - 1];

    [Theory]
    [InlineData(16)] // all in one batch
    [InlineData(3)]  // most wait for a place and join as others leave
    [InlineData(1)]  // one at a time
    public async Task Streams_generated_together_get_the_bytes_each_gets_alone(int maxBatch)
    {
        var alone = new Generator(Model);
        var batched = new BatchedGenerator(Model, maxBatch);
        var results = await Task.WhenAll(Requests.Select(r => Task.Run(() => batched.GenerateAllAsync(r.Prompt, r.Count, r.Options))));
        for (int i = 0; i < Requests.Length; i++)
            Assert.Equal(alone.Generate(Requests[i].Prompt, Requests[i].Count, Requests[i].Options), results[i]);
        Assert.True(results[5].Length <= 10); // the stop byte ended one stream early
    }

    [Fact]
    public async Task At_the_served_shape_streams_loading_beside_the_step_get_the_bytes_each_gets_alone()
    {
        // The served model's shape (width 128, context 128): the step's products take the few-row tiles
        // (8 rows a lane as 4 + 4), the windows load beside the step on one core each, and the scores run
        // over up to 128 keys. Prompts of different lengths so that windows are cut in different rounds.
        var model = TinyGpt.Model(seed: 2, layers: 2, dim: 128, heads: 4, context: 128);
        var requests = Enumerable.Range(0, 17).Select(i => (Prompt: TinyGpt.RandomBytes(i, 10 + 7 * i), Count: 90 + 5 * i,
            Options: new SamplingOptions(0.9f, 40, i))).ToArray();
        var batched = new BatchedGenerator(model, maxBatch: 16);
        var results = await Task.WhenAll(requests.Select(r => Task.Run(() => batched.GenerateAllAsync(r.Prompt, r.Count, r.Options))));
        var alone = new Generator(model);
        for (int i = 0; i < requests.Length; i++)
            Assert.Equal(alone.Generate(requests[i].Prompt, requests[i].Count, requests[i].Options), results[i]);
    }

    [Fact]
    public async Task A_stream_joining_a_running_batch_and_one_cancelled_mid_way_leave_the_others_their_bytes()
    {
        var alone = new Generator(Model);
        var batched = new BatchedGenerator(Model, maxBatch: 16);
        var first = Requests[1];
        var expectedFirst = alone.Generate(first.Prompt, 400, first.Options);

        // The first stream is running (its first bytes are out) when the others join.
        await using var running = batched.GenerateAsync(first.Prompt, 400, first.Options).GetAsyncEnumerator();
        var got = new List<byte>();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(await running.MoveNextAsync());
            got.Add(running.Current);
        }

        using var cancel = new CancellationTokenSource();
        var cancelled = batched.GenerateAsync("doomed"u8.ToArray(), 4000, new SamplingOptions(1f, 0, 5), cancel.Token).GetAsyncEnumerator();
        Assert.True(await cancelled.MoveNextAsync());
        var joiners = Requests.Skip(2).Select(r => Task.Run(() => batched.GenerateAllAsync(r.Prompt, r.Count, r.Options))).ToArray();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { while (await cancelled.MoveNextAsync()) { } });
        await cancelled.DisposeAsync();

        while (await running.MoveNextAsync()) got.Add(running.Current);
        Assert.Equal(expectedFirst, got);
        var results = await Task.WhenAll(joiners);
        for (int i = 0; i < joiners.Length; i++)
        {
            var r = Requests[i + 2];
            Assert.Equal(alone.Generate(r.Prompt, r.Count, r.Options), results[i]);
        }
    }

    [Fact]
    public async Task An_abandoned_stream_leaves_the_batch_and_the_loop_stops_when_none_are_left()
    {
        var batched = new BatchedGenerator(Model, maxBatch: 4);
        await foreach (var _ in batched.GenerateAsync("x"u8.ToArray(), 100_000, new SamplingOptions(1f, 0, 1)))
            break; // stop reading after one byte
        // The abandoned stream is dropped at the next step; then the loop has nothing to do.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (batched.Streams != 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(0, batched.Streams);
        // And a later stream starts it again.
        Assert.Equal(new Generator(Model).Generate("x"u8, 10, SamplingOptions.Greedy),
            await batched.GenerateAllAsync("x"u8.ToArray(), 10, SamplingOptions.Greedy));
    }
}
