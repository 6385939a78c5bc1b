using System.Text;
using PromiseGrid.Gpt.Tests.Model;
using PromiseGrid.Gpt.Training;
using Xunit;
using Xunit.Abstractions;

namespace PromiseGrid.Gpt.Tests.Training;

/// <summary>
/// Dynamic evaluation (<see cref="AdaptiveEvaluation"/>): it scores exactly the bytes the static
/// evaluation scores, it learns while it reads (so on a repetitive text it beats the static figure
/// of the same weights), and each byte is scored before the step that learns from it.
/// </summary>
public class AdaptiveEvaluationTests(ITestOutputHelper output)
{
    private static readonly byte[] Repetitive = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 40).Select(i =>
        $"In the beginning the grid had one operation, and it was completion number {i % 7}.\n")));

    [Theory]
    [InlineData(0, 16, long.MaxValue)]
    [InlineData(0, 5, long.MaxValue)]
    [InlineData(1000, 7, long.MaxValue)]
    [InlineData(1000, 16, 333)]
    [InlineData(3, 1, 40)]
    public void Scores_the_same_bytes_as_the_static_evaluation(int from, int stride, long maxBytes)
    {
        var model = TinyGpt.Model(seed: 1, layers: 1, dim: 16, heads: 2, context: 16);
        var score = AdaptiveEvaluation.Evaluate(model, Repetitive, from, 1e-3f, stride, maxBytes);
        var expected = Trainer.ScoredBytes(Repetitive.Length, from, maxBytes);
        Assert.Equal(expected, score.ScoredBytes);
        Assert.Equal((int)((expected + stride - 1) / stride), score.Steps);
        Assert.True(double.IsFinite(score.BitsPerByte));
    }

    [Fact]
    public void On_a_repetitive_text_it_beats_the_static_figure_of_the_same_weights()
    {
        var model = TinyGpt.Model(seed: 1, layers: 1, dim: 16, heads: 2, context: 16);
        const int from = 1000;
        double staticBits = Trainer.Evaluate(model, Repetitive, from, window: 16);
        var sliding = AdaptiveEvaluation.Evaluate(TinyGpt.Model(seed: 1, layers: 1, dim: 16, heads: 2, context: 16), Repetitive, from, 0f, 8);
        var adaptive = AdaptiveEvaluation.Evaluate(model, Repetitive, from, 1e-2f, 8);
        output.WriteLine($"static {staticBits:F4}, sliding (rate 0) {sliding.BitsPerByte:F4}, adaptive {adaptive.BitsPerByte:F4} bits/byte over {adaptive.ScoredBytes} bytes");
        // An untrained model guesses about uniformly: 8 bits per byte, with or without more context.
        Assert.InRange(staticBits, 7.5, 8.5);
        Assert.InRange(sliding.BitsPerByte, 7.5, 8.5);
        Assert.True(adaptive.BitsPerByte < staticBits - 2, $"adapting gave {adaptive.BitsPerByte:F4} bits/byte, static {staticBits:F4}");
    }

    [Fact]
    public void Reading_before_the_scored_part_learns_from_it_without_scoring_it()
    {
        const int from = 1000, stride = 8;
        AdaptiveScore Adapt(int? learnFrom) => AdaptiveEvaluation.Evaluate(
            TinyGpt.Model(seed: 1, layers: 1, dim: 16, heads: 2, context: 16), Repetitive, from, 1e-2f, stride, learnFrom: learnFrom);
        var cold = Adapt(null);
        var warm = Adapt(200);
        output.WriteLine($"cold {cold.BitsPerByte:F4}, after reading 800 bytes {warm.BitsPerByte:F4} bits/byte over {warm.ScoredBytes} bytes");
        // Reading nothing before is the cold figure exactly; reading scores no more bytes, takes its own steps.
        Assert.Equal(cold, Adapt(from));
        Assert.Equal(0, cold.LearntSteps);
        Assert.Equal(cold.ScoredBytes, warm.ScoredBytes);
        Assert.Equal(cold.Steps, warm.Steps);
        Assert.Equal(800 / stride, warm.LearntSteps);
        Assert.True(warm.BitsPerByte < cold.BitsPerByte - 0.5, $"reading first gave {warm.BitsPerByte:F4}, cold {cold.BitsPerByte:F4}");
        Assert.Throws<ArgumentOutOfRangeException>(() => Adapt(from + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Adapt(-1));
    }

    [Fact]
    public void The_first_stride_is_scored_with_the_weights_as_given_whatever_the_rate()
    {
        // Scoring the first 8 bytes (from the text's start, window 8) must not depend on the step
        // taken on them: a rate of 0 and a huge rate give the static figure of those bytes.
        double Adapt(float rate) => AdaptiveEvaluation.Evaluate(
            TinyGpt.Model(seed: 3, layers: 1, dim: 16, heads: 2, context: 16), Repetitive, 0, rate, 8, maxBytes: 8).BitsPerByte;
        double expected = Trainer.Evaluate(TinyGpt.Model(seed: 3, layers: 1, dim: 16, heads: 2, context: 16), Repetitive, 0, window: 8, maxBytes: 8);
        Assert.Equal(expected, Adapt(0f), 5);
        Assert.Equal(expected, Adapt(1f), 5);
    }

    [Fact]
    public void A_byte_is_scored_before_the_model_learns_from_it()
    {
        // Byte i's score must come from a distribution fixed before byte i is read. Then, over the
        // 256 values byte i could take, the probabilities its scores imply sum to 1. Had the model
        // taken its step on byte i before scoring it, each value would be scored by weights that
        // had just learnt it, and the sum would exceed 1. The bytes before i are scored the same
        // way in every run (same strides, same steps), so their bits, S, come off every total. The model
        // first reads bytes 37 to 100 unscored, so that reading is held to the same rule.
        const int from = 100, stride = 4, i = from + 4 * stride * 10;
        const float rate = 3e-2f;
        double Bits(byte[] text, int count)
        {
            var score = AdaptiveEvaluation.Evaluate(TinyGpt.Model(seed: 5, layers: 1, dim: 16, heads: 2, context: 16), text, from, rate, stride, count, learnFrom: 37);
            return score.BitsPerByte * score.ScoredBytes;
        }
        var text = Repetitive.ToArray();
        double before = Bits(text, i - from);
        double total = 0;
        for (int value = 0; value < 256; value++)
        {
            text[i] = (byte)value;
            total += Math.Pow(2, -(Bits(text, i - from + 1) - before));
        }
        output.WriteLine($"sum of the probabilities of byte {i}'s 256 values: {total:F6}");
        Assert.Equal(1.0, total, 3);
    }
}
