using PromiseGrid.Gpt.Model;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Model;

/// <summary>
/// A batched decoding step gives every sequence the bits its own cache gives alone, whatever
/// the others in the batch, as sequences join and leave between steps. Shapes: a few rows (the
/// product's direct path), more than four (the packed path), and enough multiply-adds for the
/// product to split over both cores.
/// </summary>
public sealed class BatchedDecoderTests
{
    [Theory]
    [InlineData(2, 16, 4, 8, 3)]      // three rows: the direct path
    [InlineData(2, 84, 2, 40, 9)]     // head width 42: every vector block and tail of the attention row; packed path
    [InlineData(1, 128, 4, 16, 24)]   // 24·512·128 multiply-adds: the parallel product
    public void Each_row_of_a_step_equals_its_cache_alone_bit_for_bit(int layers, int dim, int heads, int context, int streams)
    {
        var model = TinyGpt.Model(seed: 8, layers: layers, dim: dim, heads: heads, context: context);
        var decoder = new BatchedDecoder(model);
        // Each stream at its own position: prompts of different lengths.
        var prompts = Enumerable.Range(0, streams).Select(i => TinyGpt.RandomBytes(100 + i, 1 + i % (context - 2))).ToArray();
        var batched = prompts.Select(p => Loaded(model, p)).ToList();
        var alone = prompts.Select(p => Loaded(model, p)).ToList();

        for (int step = 0; step < 2; step++)
        {
            var tokens = TinyGpt.RandomBytes(200 + step, streams);
            var logits = decoder.Step(batched, tokens).ToArray();
            for (int i = 0; i < streams; i++)
            {
                var own = FloatBits.Of(alone[i].Append(tokens[i]));
                Assert.Equal(own, FloatBits.Of(logits.AsSpan(i * GptConfig.VocabularySize, GptConfig.VocabularySize)));
                Assert.Equal(alone[i].Length, batched[i].Length);
            }
        }
    }

    [Fact]
    public void Sequences_joining_and_leaving_between_steps_keep_their_own_bits()
    {
        var model = TinyGpt.Model(seed: 3, layers: 2, dim: 32, heads: 4, context: 24);
        var decoder = new BatchedDecoder(model);
        var prompts = new[] { "alpha"u8.ToArray(), "be"u8.ToArray(), "gamma ray"u8.ToArray(), "d"u8.ToArray(), "epsilon"u8.ToArray(), "zeta"u8.ToArray() };
        var batched = prompts.Select(p => Loaded(model, p)).ToArray();
        var alone = prompts.Select(p => Loaded(model, p)).ToArray();
        // Who is in the batch at each step: 0 and 1 start, 2..5 join, 1 and 3 leave, 1 never comes back.
        int[][] schedule = [[0, 1], [0, 1, 2], [0, 2, 3, 4, 5], [2, 4], [0, 2, 4, 5], [5], [0, 3, 5]];
        var random = new Random(11);
        foreach (var members in schedule)
        {
            var tokens = members.Select(_ => (byte)random.Next(256)).ToArray();
            var logits = decoder.Step(members.Select(m => batched[m]).ToList(), tokens).ToArray();
            for (int r = 0; r < members.Length; r++)
            {
                var own = FloatBits.Of(alone[members[r]].Append(tokens[r]));
                Assert.Equal(own, FloatBits.Of(logits.AsSpan(r * GptConfig.VocabularySize, GptConfig.VocabularySize)));
            }
        }
        Assert.Equal(alone.Select(c => c.Length), batched.Select(c => c.Length));
    }

    [Fact]
    public void A_full_cache_or_mismatched_arguments_are_refused()
    {
        var model = TinyGpt.Model(seed: 1, context: 8);
        var decoder = new BatchedDecoder(model);
        var full = Loaded(model, new byte[8]);
        var open = Loaded(model, new byte[3]);
        Assert.Throws<InvalidOperationException>(() => decoder.Step([open, full], new byte[2]));
        Assert.Throws<ArgumentException>(() => decoder.Step([open], new byte[2]));
        Assert.Throws<ArgumentException>(() => decoder.Step([], []));
        Assert.Throws<ArgumentException>(() => decoder.Step([Loaded(TinyGpt.Model(seed: 2, context: 8), [1])], [1]));
        Assert.Equal(3, open.Length); // nothing was fed
    }

    private static KvCache Loaded(GptModel model, byte[] prompt)
    {
        var cache = new KvCache(model);
        cache.Append(prompt);
        return cache;
    }
}
