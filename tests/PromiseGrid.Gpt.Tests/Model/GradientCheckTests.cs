using Xunit;
using PromiseGrid.Gpt.Model;
using Xunit.Abstractions;

namespace PromiseGrid.Gpt.Tests.Model;

/// <summary>
/// The hand-written backward pass against central finite differences of the loss, for every
/// parameter tensor (which covers every layer: embeddings, LayerNorms, attention, MLP, tied output).
/// </summary>
public class GradientCheckTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 16, 2, 8, 2)]
    [InlineData(2, 16, 4, 6, 3)]
    [InlineData(1, 80, 2, 40, 1)]   // head width 40 and 40 keys: the attention's 32-wide vector blocks, 8-wide blocks and tails
    public void Analytic_gradients_match_finite_differences_for_every_tensor(int layers, int dim, int heads, int context, int batch)
    {
        var model = new GptModel(new GptConfig(layers, dim, heads, context), seed: 5);
        // Larger weights than GPT-2's 0.02 make every gradient large enough to measure and the
        // nonlinearities (softmax, GELU, LayerNorm) far from linear, so a wrong term shows.
        var random = new Random(9);
        foreach (var t in model.Tensors())
        {
            var span = t.Data.Span;
            bool gain = t.Name.Contains("ln_") && t.Name.EndsWith(".weight");
            for (int i = 0; i < span.Length; i++)
                span[i] = (gain ? 1f : 0f) + 0.3f * (float)(random.NextDouble() * 2 - 1);
        }
        var inputs = TinyGpt.RandomBytes(11, batch * context);
        var targets = TinyGpt.RandomBytes(12, batch * context);

        model.ZeroGradients();
        model.Forward(inputs, targets, batch, context);
        model.Backward();
        var analytic = (float[])model.Gradients.Clone();

        var sampler = new Random(13);
        double worst = 0;
        foreach (var tensor in model.Layout.Tensors)
        {
            // The largest gradients of the tensor (a missing or wrong term shows there) and a few at random.
            var coordinates = Enumerable.Range(tensor.Offset, tensor.Length)
                .OrderByDescending(i => Math.Abs(analytic[i])).Take(3)
                .Concat(Enumerable.Range(0, 3).Select(_ => tensor.Offset + sampler.Next(tensor.Length)))
                .Distinct();
            Assert.True(Math.Abs(analytic.AsSpan(tensor.Offset, tensor.Length).ToArray().Max(Math.Abs)) > 1e-4,
                $"{tensor.Name}: gradient is (nearly) zero everywhere");
            foreach (int i in coordinates)
            {
                double numeric = Numeric(model, i, inputs, targets, batch, context);
                double error = Math.Abs(numeric - analytic[i]);
                // Float forward: the loss (≈5.5 nats) carries rounding noise of ~1e-6, i.e. ~1e-4 in a
                // difference quotient with h = 1e-2; the O(h²) truncation error is of the same order
                // at these weights. So: 1 % relative, with an absolute floor of 1e-4 (the largest
                // gradients checked are ~1e-2 and up; measured worst error is under 20 % of this allowance).
                double allowed = 0.01 * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])) + 1e-4;
                worst = Math.Max(worst, error / allowed);
                Assert.True(error <= allowed,
                    $"{tensor.Name}[{i - tensor.Offset}]: analytic {analytic[i]:G6}, numeric {numeric:G6}");
            }
        }
        output.WriteLine($"worst error / allowed = {worst:F3}");
    }

    private static double Numeric(GptModel model, int index, byte[] inputs, byte[] targets, int batch, int time)
    {
        const float h = 1e-2f;
        float saved = model.Parameters[index];
        model.Parameters[index] = saved + h;
        double plus = model.Forward(inputs, targets, batch, time);
        model.Parameters[index] = saved - h;
        double minus = model.Forward(inputs, targets, batch, time);
        model.Parameters[index] = saved;
        // The actual step taken in float, not the nominal h.
        return (plus - minus) / ((double)(saved + h) - (saved - h));
    }
}
