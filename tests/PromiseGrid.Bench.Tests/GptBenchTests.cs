using System.Text.Json;
using PromiseGrid.Bench.Gpt;
using Xunit;

namespace PromiseGrid.Bench.Tests;

/// <summary>
/// The gpt bench mode runs for real on a small model, briefly (timing is not judged here), and
/// reports the throughput figures (training, forward, generation, and serving batched and
/// unbatched) with the model's exact shape and parameter count.
/// </summary>
public sealed class GptBenchTests
{
    [Fact]
    public void Gpt_mode_reports_positive_training_forward_and_generation_throughput_for_the_stated_model()
    {
        var options = new GptBenchOptions(Seconds: 0.2, WarmupSeconds: 0, Layers: 1, Dim: 32, Heads: 2, Context: 16, Batch: 2, Streams: 5);
        var report = GptBench.Run(options);

        Assert.Equal(["training", "training-muon", "forward", "generation", "serving-1", "serving-5-unbatched", "serving-5"], report.Figures.Select(f => f.Name));
        Assert.All(report.Figures, f =>
        {
            Assert.True(f.Operations > 0, $"{f.Name}: no operation completed");
            Assert.True(f.BytesPerSecond > 0, $"{f.Name}: {f.BytesPerSecond} bytes/s");
            Assert.True(f.CpuSeconds > 0, $"{f.Name}: {f.CpuSeconds} CPU-s");
        });
        // Training and forward handle whole batches; generation whole chunks of bytes.
        Assert.Equal(report["training"].Operations * 2 * 16, report["training"].Bytes);
        Assert.Equal(report["training-muon"].Operations * 2 * 16, report["training-muon"].Bytes);
        Assert.Equal(report["forward"].Operations * 2 * 16, report["forward"].Bytes);
        Assert.Equal(report["generation"].Operations * GptBench.GenerationChunk, report["generation"].Bytes);
        // Serving: every stream of every round got its whole chunk (no stop byte), batched or not.
        Assert.Equal(report["serving-1"].Operations * GptBench.GenerationChunk, report["serving-1"].Bytes);
        Assert.Equal(report["serving-5-unbatched"].Operations * 5 * GptBench.GenerationChunk, report["serving-5-unbatched"].Bytes);
        Assert.Equal(report["serving-5"].Operations * 5 * GptBench.GenerationChunk, report["serving-5"].Bytes);
        Assert.Equal(options.Config.ParameterCount, report.Parameters);

        var table = report.ToTable();
        Assert.StartsWith($"gpt: layers 1, dim 32, heads 2, context 16 ({report.Parameters:N0} parameters), batch 2 × 16 bytes", table);
        Assert.Contains("| figure | bytes/s | bytes/CPU-s | GFLOP/s | of peak | ms/op | ops | operation |", table);
        Assert.Matches(@"\| generation \| [0-9,]+ \| [0-9,]+ \| +\| +\| [0-9,.]+ \| [0-9,]+ \| Generator.Generate", table);
        // Training's GFLOP/s are its bytes/s times the FLOP model's count, which the table states.
        Assert.Equal(GptFlops.Training(options.Config) * report["training"].BytesPerSecond / 1e9, report.Gflops(report["training"]));
        Assert.Matches(@"\| training \| [0-9,]+ \| [0-9,]+ \| [0-9,.]+ \| ", table);

        var json = JsonDocument.Parse(report.ToJson()).RootElement;
        Assert.Equal("gpt", json.GetProperty("mode").GetString());
        Assert.Equal(report.Parameters, json.GetProperty("model").GetProperty("parameters").GetInt64());
        Assert.Equal(7, json.GetProperty("figures").GetArrayLength());
        Assert.Matches(@"\| serving-5 \| [0-9,]+ \| [0-9,]+ \| +\| +\| [0-9,.]+ \| [0-9,]+ \| 5 concurrent streams sharing each step", table);
        Assert.True(json.GetProperty("figures")[1].GetProperty("bytesPerSecond").GetDouble() > 0);
    }

    [Theory]
    [InlineData(4, 128, 4, 128)]
    [InlineData(2, 64, 2, 32)]
    public void The_flop_count_covers_every_weight_matrix_of_the_model_once(int layers, int dim, int heads, int context)
    {
        // The FLOP model's weight products (2 FLOP per weight per byte) must be the model's own
        // matrices: every two-dimensional tensor but the position embedding (a lookup); the byte
        // embedding counts once, as the tied output head. What is left is attention's.
        var config = new PromiseGrid.Gpt.Model.GptConfig(layers, dim, heads, context);
        var layout = new PromiseGrid.Gpt.Model.GptModel(config, seed: 1).Layout;
        long weights = layout.Tensors.Where(t => t.IsMatrix && t.Name != "wpe").Sum(t => (long)t.Length);
        double attention = layers * 2.0 * dim * (context + 1);
        Assert.Equal(2.0 * weights + attention, GptFlops.Forward(config));
        Assert.Equal(3 * GptFlops.Forward(config), GptFlops.Training(config));
    }

    [Fact]
    public void Only_the_named_figures_are_measured()
    {
        // `--only serving-1,serving-3`: a short profiling run of serving skips training and the rest.
        var options = new GptBenchOptions(Seconds: 0.1, WarmupSeconds: 0, Layers: 1, Dim: 32, Heads: 2, Context: 16, Batch: 2, Streams: 3,
            Only: "serving-1,serving-3");
        var report = GptBench.Run(options);
        Assert.Equal(["serving-1", "serving-3"], report.Figures.Select(f => f.Name));
        Assert.Equal(report["serving-3"].Operations * 3 * GptBench.GenerationChunk, report["serving-3"].Bytes);
    }

    [Fact]
    public void The_default_model_is_the_one_million_parameter_shape_of_issue_7()
    {
        var config = new GptBenchOptions().Config;
        Assert.Equal((4, 128, 4, 128), (config.Layers, config.Dim, config.Heads, config.Context));
        Assert.InRange(config.ParameterCount, 800_000, 1_200_000);
    }
}
