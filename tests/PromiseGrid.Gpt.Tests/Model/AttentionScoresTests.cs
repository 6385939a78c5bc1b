using System.Runtime.Intrinsics.X86;
using PromiseGrid.Gpt.Model;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Model;

/// <summary>
/// <see cref="TransformerOps.Scores"/> takes the last keys of a row as vectors that overlap keys
/// already done; every score must still be the one fused multiply-add chain over d, bit for bit,
/// whatever the count (below, at and around the 8- and 32-key blocks) and the key stride.
/// </summary>
public sealed class AttentionScoresTests
{
    [Theory]
    [InlineData(32, 128)]
    [InlineData(16, 131)]
    [InlineData(3, 40)]
    public unsafe void Every_score_is_the_scalar_chain_over_d_for_every_count(int hs, int stride)
    {
        var random = new Random(hs * 1000 + stride);
        var q = Enumerable.Range(0, hs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var keysT = Enumerable.Range(0, hs * stride).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float scale = 1f / MathF.Sqrt(hs);
        for (int count = 1; count <= stride; count++)
        {
            var scores = new float[count + 8];
            Array.Fill(scores, float.NaN);
            fixed (float* pq = q, pk = keysT, ps = scores)
                TransformerOps.Scores(pq, hs, pk, stride, count, scale, ps);
            var expected = new float[count];
            for (int j = 0; j < count; j++)
            {
                float a = 0;
                for (int d = 0; d < hs; d++) a = Fma.IsSupported ? MathF.FusedMultiplyAdd(q[d], keysT[d * stride + j], a) : q[d] * keysT[d * stride + j] + a;
                expected[j] = a * scale;
            }
            Assert.Equal(FloatBits.Of(expected), FloatBits.Of(scores.AsSpan(0, count)));
            Assert.All(scores.AsSpan(count).ToArray(), s => Assert.True(float.IsNaN(s), $"count {count}: a score was written past the last key"));
        }
    }
}
