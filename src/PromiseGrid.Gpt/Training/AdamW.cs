using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Training;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), β1 0.9, β2 0.95, ε 1e-8 by default.
/// Weight decay applies only to two-dimensional tensors (matrices and embeddings), not to
/// biases or LayerNorm gains, as in GPT-2 training recipes.
/// </summary>
public sealed class AdamW
{
    private readonly GptModel _model;

    public AdamW(GptModel model, float weightDecay = 0.1f, float beta1 = 0.9f, float beta2 = 0.95f, float epsilon = 1e-8f)
    {
        _model = model;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        FirstMoment = new float[model.Parameters.Length];
        SecondMoment = new float[model.Parameters.Length];
    }

    public float WeightDecay { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    /// <summary>Number of updates applied so far (for bias correction; saved with checkpoints to resume).</summary>
    public int Steps { get; set; }

    /// <summary>Running mean of the gradients, laid out like the parameters.</summary>
    public float[] FirstMoment { get; }

    /// <summary>Running mean of the squared gradients, laid out like the parameters.</summary>
    public float[] SecondMoment { get; }

    /// <summary>Applies one update with the model's current gradients.</summary>
    public void Step(float learningRate)
    {
        Steps++;
        float correction1 = 1f - MathF.Pow(Beta1, Steps);
        float correction2 = 1f - MathF.Pow(Beta2, Steps);
        var p = _model.Parameters;
        var g = _model.Gradients;
        foreach (var tensor in _model.Layout.Tensors)
        {
            float decay = tensor.IsMatrix ? WeightDecay : 0f;
            int end = tensor.Offset + tensor.Length;
            for (int i = tensor.Offset; i < end; i++)
            {
                float m = FirstMoment[i] = Beta1 * FirstMoment[i] + (1f - Beta1) * g[i];
                float v = SecondMoment[i] = Beta2 * SecondMoment[i] + (1f - Beta2) * g[i] * g[i];
                float mHat = m / correction1, vHat = v / correction2;
                p[i] -= learningRate * (mHat / (MathF.Sqrt(vHat) + Epsilon) + decay * p[i]);
            }
        }
    }
}
