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
        Assert.Equal(FloatBits.Of(first.Losses), FloatBits.Of(second.Losses));
        Assert.Equal(FloatBits.Of(first.Weights), FloatBits.Of(second.Weights));
        Assert.Equal(FloatBits.Of(first.Weights), FloatBits.Of(serialAttention.Weights));
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
        double bits = Trainer.Evaluate(model, TinyGpt.Corpus, from: 0, window: 8, batch: 4, maxBytes: 64);
        Assert.InRange(bits, 7.9, 8.1);
        Assert.Throws<ArgumentException>(() => Trainer.Evaluate(model, new byte[5], from: 5, window: 8));
    }

    [Fact]
    public void Evaluate_scores_every_byte_from_the_start_including_the_first_and_a_short_last_window()
    {
        var model = TinyGpt.Model(seed: 3, context: 8);
        var text = TinyGpt.RandomBytes(5, 24);
        const int from = 3, window = 4;
        // Bytes 3..23 (21 of them): windows 3..6, 7..10, 11..14, 15..18, 19..22 and a last one of byte 23 alone,
        // each predicted from the byte before it and on within its window.
        double nats = 0;
        for (int start = from; start < text.Length; start += window)
        {
            int length = Math.Min(window, text.Length - start);
            nats += model.Forward(text.AsSpan(start - 1, length), text.AsSpan(start, length), 1, length) * (double)length;
        }
        Assert.Equal(21, Trainer.ScoredBytes(text.Length, from));
        Assert.Equal(nats / 21 / Math.Log(2), Trainer.Evaluate(model, text, from, window, batch: 2), 1e-5);

        // From the text's very start, byte 0 is predicted from a newline standing in for the bytes before it.
        byte[] withNewline = [(byte)'\n', .. text];
        Assert.Equal(Trainer.Evaluate(model, withNewline, 1, window, batch: 3), Trainer.Evaluate(model, text, 0, window, batch: 3), 1e-5);
        Assert.Equal(5, Trainer.ScoredBytes(text.Length, 2, maxBytes: 5));
    }
}
