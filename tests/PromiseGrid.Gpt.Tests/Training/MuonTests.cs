using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Tests.Model;
using PromiseGrid.Gpt.Training;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Training;

/// <summary>
/// Muon (<see cref="Muon"/>): its Newton–Schulz orthogonalization against a naive reference in
/// double precision, what that does to a matrix's singular values, which tensors it takes from
/// AdamW, and that a model trained with it learns.
/// </summary>
public class MuonTests
{
    [Theory]
    [InlineData(6, 20, 1)]
    [InlineData(16, 16, 2)]
    [InlineData(8, 48, 3)]
    public void Orthogonalizes_as_the_naive_reference_does(int m, int k, int seed)
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var expected = NaiveOrthogonalize(Array.ConvertAll(x, v => (double)v), m, k);
        var muon = new Muon(Wide(), new float[Wide().Parameters.Length]);

        muon.Orthogonalize(x, m, k);

        for (int i = 0; i < x.Length; i++) Assert.Equal(expected[i], x[i], 1e-3);
    }

    [Fact]
    public void Takes_every_singular_value_near_one()
    {
        // A badly conditioned matrix: row r scaled by 2^(-r/2). After the iteration, X·Xᵀ is near the
        // identity (singular values in about [0.7, 1.2]), though the rows were 11 times apart.
        const int m = 8, k = 32;
        var random = new Random(5);
        var x = new float[m * k];
        for (int r = 0; r < m; r++)
            for (int c = 0; c < k; c++) x[r * k + c] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, -r / 2.0));
        new Muon(Wide(), new float[Wide().Parameters.Length]).Orthogonalize(x, m, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double dot = 0;
                for (int c = 0; c < k; c++) dot += (double)x[i * k + c] * x[j * k + c];
                if (i == j) Assert.InRange(dot, 0.45, 1.45);
                else Assert.InRange(dot, -0.3, 0.3);
            }
        }
    }

    [Fact]
    public void Updates_the_blocks_matrices_and_leaves_the_rest_to_AdamW()
    {
        var model = TinyGpt.Model(seed: 2);
        var trainer = new Trainer(model, new TrainerOptions { BatchSize = 2, Seed = 1, Muon = true });
        var before = (float[])model.Parameters.Clone();
        trainer.TrainStep(TinyGpt.Corpus);
        foreach (var tensor in model.Layout.Tensors)
        {
            bool moved = !before.AsSpan(tensor.Offset, tensor.Length).SequenceEqual(model.Parameters.AsSpan(tensor.Offset, tensor.Length));
            Assert.True(moved, $"{tensor.Name} did not move");
            // AdamW's second moment is kept only for the tensors it updates; Muon's momentum sits in the first moment.
            bool hasSecond = trainer.Optimizer.SecondMoment.AsSpan(tensor.Offset, tensor.Length).IndexOfAnyExcept(0f) >= 0;
            Assert.Equal(!Muon.Handles(tensor), hasSecond);
            Assert.True(trainer.Optimizer.FirstMoment.AsSpan(tensor.Offset, tensor.Length).IndexOfAnyExcept(0f) >= 0, tensor.Name);
        }
        Assert.Equal(8, model.Layout.Tensors.Count(Muon.Handles));
        Assert.DoesNotContain(model.Layout.Tensors.Where(Muon.Handles), t => t.Name is "wte" or "wpe");
    }

    [Fact]
    public void A_model_trained_with_it_learns_and_is_the_same_bits_on_one_thread_or_two()
    {
        float[] Train(int threads, out float first, out float last)
        {
            var model = TinyGpt.Model(seed: 3);
            model.Threads = threads;
            var trainer = new Trainer(model, new TrainerOptions { BatchSize = 4, Seed = 2, Muon = true, LearningRate = LearningRate.Constant(3e-3f) });
            first = trainer.TrainStep(TinyGpt.Corpus);
            last = first;
            for (int i = 0; i < 60; i++) last = trainer.TrainStep(TinyGpt.Corpus);
            return model.Parameters;
        }
        var one = Train(1, out float first, out float last);
        var two = Train(2, out _, out _);
        Assert.True(last < first - 1, $"loss went from {first} to {last} nats");
        Assert.Equal(Array.ConvertAll(one, BitConverter.SingleToInt32Bits), Array.ConvertAll(two, BitConverter.SingleToInt32Bits));
    }

    private static GptModel Wide() => TinyGpt.Model(seed: 1, layers: 1, dim: 16, heads: 4, context: 8);

    private static double[] NaiveOrthogonalize(double[] x, int m, int k)
    {
        const double a = 3.4445, b = -4.7750, c = 2.0315;
        double norm = Math.Sqrt(x.Sum(v => v * v)) + 1e-7;
        x = x.Select(v => v / norm).ToArray();
        for (int step = 0; step < 5; step++)
        {
            var g = new double[m * m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    for (int t = 0; t < k; t++) g[i * m + j] += x[i * k + t] * x[j * k + t];
            var poly = new double[m * m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                {
                    double g2 = 0;
                    for (int t = 0; t < m; t++) g2 += g[i * m + t] * g[t * m + j];
                    poly[i * m + j] = b * g[i * m + j] + c * g2;
                }
            var next = new double[m * k];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < k; j++)
                {
                    double sum = 0;
                    for (int t = 0; t < m; t++) sum += poly[i * m + t] * x[t * k + j];
                    next[i * k + j] = a * x[i * k + j] + sum;
                }
            x = next;
        }
        return x;
    }
}
