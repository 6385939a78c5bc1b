using PromiseGrid.Gpt.Training;
using PromiseGrid.Gpt.Tests.Model;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Training;

/// <summary>
/// AdamW's vectorised update gives every parameter the bits of the one-at-a-time formula
/// (lanes and the scalar tail alike), and global-norm clipping measures the true L2 norm.
/// </summary>
public sealed class AdamWVectorTests
{
    [Fact]
    public void The_vectorised_update_equals_the_scalar_formula_bit_for_bit()
    {
        // Dim 13: every tensor length is odd, so each has vector lanes and a scalar tail.
        var model = TinyGpt.Model(seed: 3, layers: 1, dim: 13, heads: 1, context: 5);
        var random = new Random(2);
        for (int i = 0; i < model.Gradients.Length; i++) model.Gradients[i] = (float)(random.NextDouble() * 2 - 1);
        var parameters = (float[])model.Parameters.Clone();
        var first = new float[parameters.Length];
        var second = new float[parameters.Length];
        var adam = new AdamW(model, weightDecay: 0.1f);

        for (int step = 1; step <= 3; step++)
        {
            adam.Step(1e-2f);
            float correction1 = 1f - MathF.Pow(adam.Beta1, step), correction2 = 1f - MathF.Pow(adam.Beta2, step);
            foreach (var tensor in model.Layout.Tensors)
            {
                float decay = tensor.IsMatrix ? adam.WeightDecay : 0f;
                for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
                {
                    float g = model.Gradients[i];
                    float m = first[i] = adam.Beta1 * first[i] + (1f - adam.Beta1) * g;
                    float v = second[i] = adam.Beta2 * second[i] + (1f - adam.Beta2) * g * g;
                    parameters[i] -= 1e-2f * (m / correction1 / (MathF.Sqrt(v / correction2) + adam.Epsilon) + decay * parameters[i]);
                }
            }
            Assert.Equal(FloatBits.Of(parameters), FloatBits.Of(model.Parameters));
            Assert.Equal(FloatBits.Of(first), FloatBits.Of(adam.FirstMoment));
            Assert.Equal(FloatBits.Of(second), FloatBits.Of(adam.SecondMoment));
        }
    }

    [Fact]
    public void Clipping_reports_the_L2_norm_of_an_odd_length_vector()
    {
        var gradients = Enumerable.Range(1, 1001).Select(i => (float)Math.Sin(i)).ToArray();
        double expected = Math.Sqrt(gradients.Sum(g => (double)g * g));
        var norm = GradientClipping.ClipByGlobalNorm(gradients, maxNorm: 1e6f);
        Assert.Equal((float)expected, norm);
    }
}
