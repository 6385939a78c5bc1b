namespace PromiseGrid.Gpt.Training;

/// <summary>Global-norm gradient clipping.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="gradients"/> so that their L2 norm is at most <paramref name="maxNorm"/>
    /// and returns the norm before clipping. The norm is summed in double, in index order.
    /// </summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        double sum = 0;
        foreach (float g in gradients) sum += (double)g * g;
        float norm = (float)Math.Sqrt(sum);
        if (norm > maxNorm && norm > 0)
        {
            float scale = maxNorm / norm;
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, scale, gradients);
        }
        return norm;
    }
}
