using PromiseGrid.Gpt.Model;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Model;

/// <summary>
/// The sampler's integer-key sort ranks candidates exactly as a comparison sort by descending logit
/// then byte value would (ties, −0 and +0, infinities, NaN included), so it draws the same bytes.
/// </summary>
public sealed class SamplerOrderTests
{
    [Theory]
    [InlineData(1f, 0)]
    [InlineData(0.8f, 40)]
    [InlineData(1.5f, 3)]
    public void Draws_equal_those_of_a_comparison_sort_by_descending_logit_then_byte(float temperature, int topK)
    {
        var random = new Random(4);
        var options = new SamplingOptions(temperature, topK);
        for (int trial = 0; trial < 200; trial++)
        {
            var logits = new float[256];
            for (int i = 0; i < logits.Length; i++)
                logits[i] = (float)Math.Round(random.NextDouble() * 6 - 3, 1); // many ties
            logits[random.Next(256)] = -0f;
            logits[random.Next(256)] = 0f;
            logits[random.Next(256)] = float.NegativeInfinity;
            if (trial % 3 == 0) logits[random.Next(256)] = float.NaN;
            var drawer = new Random(trial);
            var reference = new Random(trial);
            for (int draw = 0; draw < 5; draw++)
                Assert.Equal(Reference(logits, options, reference), Sampler.Next(logits, options, drawer));
        }
    }

    /// <summary>The sampler as first written: a comparison sort of the byte values.</summary>
    private static byte Reference(float[] logits, SamplingOptions options, Random random)
    {
        int v = logits.Length;
        var order = Enumerable.Range(0, v).ToArray();
        Array.Sort(order, (x, y) => logits[y].CompareTo(logits[x]) is var cmp && cmp != 0 ? cmp : x.CompareTo(y));
        int k = options.TopK == 0 ? v : Math.Min(options.TopK, v);
        var weights = new double[k];
        double max = logits[order[0]], total = 0;
        for (int i = 0; i < k; i++)
        {
            weights[i] = Math.Exp((logits[order[i]] - max) / options.Temperature);
            total += weights[i];
        }
        double u = random.NextDouble() * total;
        for (int i = 0; i < k; i++)
        {
            u -= weights[i];
            if (u < 0) return (byte)order[i];
        }
        return (byte)order[k - 1];
    }
}
