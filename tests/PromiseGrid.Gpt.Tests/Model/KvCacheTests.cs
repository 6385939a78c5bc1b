using PromiseGrid.Gpt.Model;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Model;

/// <summary>
/// The KV cache's block append (how a prompt or a kept window is loaded) gives the very bits of
/// appending byte by byte and of the batched forward, for head widths and key counts that run
/// through every vector block and scalar tail of the attention row.
/// </summary>
public sealed class KvCacheTests
{
    [Theory]
    [InlineData(2, 84, 2, 40)]  // head width 42 = 32 + 8 + 2; up to 40 keys = 32 + 8
    [InlineData(1, 12, 4, 13)]  // head width 3: scalar only
    public void A_block_append_equals_byte_by_byte_appends_and_the_batched_forward(int layers, int dim, int heads, int context)
    {
        var model = TinyGpt.Model(seed: 8, layers: layers, dim: dim, heads: heads, context: context);
        var bytes = TinyGpt.RandomBytes(21, context);
        model.Forward(bytes, default, 1, context);
        var batched = Enumerable.Range(0, context).Select(t => Bits(model.Logits(0, t))).ToList();

        var single = new KvCache(model);
        for (int t = 0; t < context; t++)
            Assert.Equal(batched[t], Bits(single.Append(bytes[t])));

        // Blocks of several sizes, starting at position 0 and in the middle of the cache.
        var blocks = new KvCache(model);
        int position = 0;
        foreach (int size in new[] { 7, 1, context - 12, 4 })
        {
            var logits = Bits(blocks.Append(bytes.AsSpan(position, size)));
            position += size;
            Assert.Equal(position, blocks.Length);
            Assert.Equal(batched[position - 1], logits);
        }
        Assert.Throws<InvalidOperationException>(() => blocks.Append(bytes.AsSpan(0, 1)));
        blocks.Clear();
        Assert.Throws<ArgumentException>(() => blocks.Append(ReadOnlySpan<byte>.Empty));
        Assert.Throws<InvalidOperationException>(() => blocks.Append(new byte[context + 1]));
        Assert.Equal(batched[context - 1], Bits(blocks.Append(bytes)));
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }
}
