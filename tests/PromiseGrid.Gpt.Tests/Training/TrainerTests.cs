using System.Text;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Tests.Model;
using PromiseGrid.Gpt.Training;
using Xunit;
using Xunit.Abstractions;

namespace PromiseGrid.Gpt.Tests.Training;

public class TrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void Loss_falls_on_a_small_corpus()
    {
        var model = TinyGpt.Model(seed: 1, layers: 2, dim: 32, heads: 4, context: 16);
        var trainer = new Trainer(model, new TrainerOptions { BatchSize = 8, LearningRate = LearningRate.Constant(3e-3f), Seed = 1 });
        double before = trainer.Evaluate(TinyGpt.Corpus);
        var losses = Enumerable.Range(0, 60).Select(_ => trainer.TrainStep(TinyGpt.Corpus)).ToList();
        double after = trainer.Evaluate(TinyGpt.Corpus);
        output.WriteLine($"bits/byte {before:F3} → {after:F3}; loss {losses[0]:F3} → {losses[^1]:F3}");
        // Uniform guessing is 8 bits per byte; English letter frequencies alone give ~4.5.
        Assert.InRange(before, 7.5, 8.5);
        Assert.True(after < 4.5, $"bits per byte only fell to {after:F3}");
        Assert.True(losses.TakeLast(5).Average() < losses[0] - 2, "training loss did not fall");
    }

    [Fact]
    public void A_tiny_model_overfits_a_short_text_and_reproduces_it_greedily()
    {
        const string text = "the quick brown fox jumps over the lazy dog. ";
        var corpus = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(text, 6)));
        var model = TinyGpt.Model(seed: 1, layers: 1, dim: 32, heads: 2, context: 16);
        var trainer = new Trainer(model, new TrainerOptions
        {
            BatchSize = 8, Seed = 2, WeightDecay = 0f, LearningRate = new LearningRate(1e-2f, 1e-3f, 10, 250),
        });
        float loss = 0;
        for (int step = 0; step < 250; step++) loss = trainer.TrainStep(corpus);
        output.WriteLine($"final loss {loss:F4}");

        var continuation = new Generator(model).Generate("the quick"u8, 2 * text.Length, SamplingOptions.Greedy);
        var expected = corpus.AsSpan(9, 2 * text.Length).ToArray();
        Assert.Equal(Encoding.ASCII.GetString(expected), Encoding.ASCII.GetString(continuation));
    }

    [Fact]
    public void Same_seeds_give_the_same_losses_and_weights_bit_for_bit()
    {
        (float[] Losses, float[] Weights) Run(int threads)
        {
            var model = TinyGpt.Model(seed: 6, layers: 2, dim: 32, heads: 4, context: 16);
            model.Threads = threads;
            var trainer = new Trainer(model, new TrainerOptions { BatchSize = 4, LearningRate = LearningRate.Constant(1e-3f), Seed = 3 });
            var losses = Enumerable.Range(0, 8).Select(_ => trainer.TrainStep(TinyGpt.Corpus)).ToArray();
            return (losses, model.Parameters);
        }
        var first = Run(2);
        var second = Run(2);
        var serialAttention = Run(1);
        Assert.Equal(first.Losses.Select(BitConverter.SingleToInt32Bits), second.Losses.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(first.Weights, second.Weights);
        Assert.Equal(first.Weights, serialAttention.Weights);
        // And the training seed matters.
        var model = TinyGpt.Model(seed: 6, layers: 2, dim: 32, heads: 4, context: 16);
        var other = new Trainer(model, new TrainerOptions { BatchSize = 4, LearningRate = LearningRate.Constant(1e-3f), Seed = 4 });
        Assert.NotEqual(first.Losses[0], other.TrainStep(TinyGpt.Corpus));
    }

    [Fact]
    public void Evaluate_reports_bits_per_byte_of_the_mean_cross_entropy()
    {
        // A fresh model predicts nearly uniformly: close to log2(256) = 8 bits per byte.
        var model = TinyGpt.Model(seed: 1);
        double bits = Trainer.Evaluate(model, TinyGpt.Corpus, window: 8, batch: 4, maxBytes: 64);
        Assert.InRange(bits, 7.9, 8.1);
        Assert.Throws<ArgumentException>(() => Trainer.Evaluate(model, new byte[5], window: 8));
    }
}
