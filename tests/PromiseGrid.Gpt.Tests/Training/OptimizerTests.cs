using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Tests.Model;
using PromiseGrid.Gpt.Training;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Training;

public class OptimizerTests
{
    [Fact]
    public void Learning_rate_warms_up_linearly_then_follows_a_cosine_to_the_minimum()
    {
        var schedule = new LearningRate(Max: 1f, Min: 0.1f, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(0.1f, schedule.At(0), 6);
        Assert.Equal(0.5f, schedule.At(4), 6);
        Assert.Equal(1f, schedule.At(10), 6);
        Assert.Equal(0.55f, schedule.At(60), 6);   // halfway through the decay: (max + min) / 2
        Assert.Equal(0.1f, schedule.At(110), 6);
        Assert.Equal(0.1f, schedule.At(500), 6);
        Assert.True(schedule.At(30) > schedule.At(31));
    }

    [Fact]
    public void Clipping_scales_the_global_norm_down_to_the_limit_and_leaves_small_gradients_alone()
    {
        var gradients = new[] { 3f, 4f };
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(gradients, 1f));
        Assert.Equal(new[] { 0.6f, 0.8f }, gradients);
        Assert.Equal(1f, GradientClipping.ClipByGlobalNorm(gradients, 2f), 6);
        Assert.Equal(new[] { 0.6f, 0.8f }, gradients);
    }

    [Fact]
    public void AdamW_decays_matrices_only_and_moves_against_the_gradient()
    {
        var model = TinyGpt.Model(seed: 1);
        foreach (var t in model.Tensors()) t.Data.Span.Fill(0.5f);
        var adam = new AdamW(model, weightDecay: 0.1f);
        adam.Step(learningRate: 0.01f); // zero gradients: only the decay acts
        var after = model.Tensors().ToDictionary(t => t.Name, t => t.Data.ToArray());
        Assert.All(after["h.0.mlp.c_fc.weight"], w => Assert.Equal(0.5f - 0.01f * 0.1f * 0.5f, w, 6));
        Assert.All(after["wte"], w => Assert.Equal(0.5f - 0.01f * 0.1f * 0.5f, w, 6));
        Assert.All(after["h.0.mlp.c_fc.bias"], w => Assert.Equal(0.5f, w));
        Assert.All(after["ln_f.weight"], w => Assert.Equal(0.5f, w));

        // With a gradient, the first bias-corrected Adam step has size lr in the gradient's direction.
        var bias = model.Layout.Tensors.Single(t => t.Name == "ln_f.bias");
        model.Gradients[bias.Offset] = 2f;
        model.Gradients[bias.Offset + 1] = -3f;
        var fresh = new AdamW(model, weightDecay: 0f);
        fresh.Step(0.01f);
        Assert.Equal(0.49f, model.Parameters[bias.Offset], 5);
        Assert.Equal(0.51f, model.Parameters[bias.Offset + 1], 5);
    }
}
