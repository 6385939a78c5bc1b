using Xunit;
using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Tests.Model;

public class GptConfigTests
{
    [Theory]
    [InlineData(0, 16, 4, 8, "layers")]
    [InlineData(1, 0, 4, 8, "dim")]
    [InlineData(1, 16, 0, 8, "heads")]
    [InlineData(1, 18, 4, 8, "multiple of heads")]
    [InlineData(1, 16, 4, 0, "context")]
    public void Invalid_hyper_parameters_are_refused_naming_the_culprit(int layers, int dim, int heads, int context, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => new GptModel(new GptConfig(layers, dim, heads, context)));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Parameter_count_matches_the_layout_and_GPT2_formula()
    {
        var config = new GptConfig(Layers: 4, Dim: 128, Heads: 4, Context: 128);
        var model = new GptModel(config);
        // GPT-2: per block 12·C² + 13·C; embeddings (V + T)·C; final LayerNorm 2·C.
        long expected = 4 * (12L * 128 * 128 + 13 * 128) + (256 + 128) * 128 + 2 * 128;
        Assert.Equal(expected, config.ParameterCount);
        Assert.Equal(expected, model.Parameters.Length);
        Assert.Equal(expected, model.Tensors().Sum(t => (long)t.Data.Length));
    }

    [Fact]
    public void Tensors_have_GPT2_names_and_shapes_and_write_through_to_the_parameters()
    {
        var model = TinyGpt.Model(layers: 2, dim: 16, context: 8);
        var tensors = model.Tensors().ToList();
        Assert.Equal(2 + 12 * 2 + 2, tensors.Count);
        Assert.Equal("wte", tensors[0].Name);
        Assert.Equal(new[] { 256, 16 }, tensors[0].Shape);
        Assert.Equal("wpe", tensors[1].Name);
        Assert.Equal(new[] { 8, 16 }, tensors[1].Shape);
        var attn = tensors.Single(t => t.Name == "h.1.attn.c_attn.weight");
        Assert.Equal(new[] { 16, 48 }, attn.Shape);
        Assert.Equal(new[] { 64, 16 }, tensors.Single(t => t.Name == "h.0.mlp.c_proj.weight").Shape);
        Assert.Equal("ln_f.bias", tensors[^1].Name);
        Assert.Equal(tensors.Count, tensors.Select(t => t.Name).Distinct().Count());

        attn.Data.Span[5] = 42f;
        Assert.Contains(42f, model.Parameters);
    }

    [Fact]
    public void Initialisation_is_a_function_of_the_seed()
    {
        var a = TinyGpt.Model(seed: 3);
        var b = TinyGpt.Model(seed: 3);
        var c = TinyGpt.Model(seed: 4);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.NotEqual(a.Parameters, c.Parameters);
        var tensors = a.Tensors().ToDictionary(t => t.Name, t => t.Data.ToArray());
        Assert.All(tensors["h.0.ln_1.weight"], w => Assert.Equal(1f, w));
        Assert.All(tensors["h.0.attn.c_attn.bias"], w => Assert.Equal(0f, w));
        // Residual projections are initialised smaller (0.02/√(2·layers) = 0.01 for two layers).
        double Std(float[] x) => Math.Sqrt(x.Average(v => (double)v * v));
        Assert.InRange(Std(tensors["wte"]), 0.018, 0.022);
        Assert.InRange(Std(tensors["h.0.mlp.c_proj.weight"]), 0.009, 0.011);
    }
}
