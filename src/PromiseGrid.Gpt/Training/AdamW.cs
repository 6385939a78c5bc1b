using System.Runtime.Intrinsics;
using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Training;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), β1 0.9, β2 0.95, ε 1e-8 by default.
/// Weight decay applies only to two-dimensional tensors (matrices and embeddings), not to
/// biases or LayerNorm gains, as in GPT-2 training recipes. Tensors that <c>skip</c> names are
/// left to another optimizer (<see cref="Muon"/>), as are their moment slots.
/// </summary>
public sealed class AdamW
{
    private readonly GptModel _model;
    private readonly Func<ParameterTensor, bool>? _skip;

    public AdamW(GptModel model, float weightDecay = 0.1f, float beta1 = 0.9f, float beta2 = 0.95f, float epsilon = 1e-8f,
        Func<ParameterTensor, bool>? skip = null)
    {
        _model = model;
        _skip = skip;
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
    /// <remarks>
    /// Eight parameters at a time in <see cref="Vector256{T}"/> lanes, then a scalar tail; both do
    /// the same IEEE operations in the same order (no fused multiply-add, correctly rounded square
    /// root and division), so every parameter's update is the same bits either way and the same
    /// as the one-at-a-time formula.
    /// </remarks>
    public void Step(float learningRate)
    {
        Steps++;
        float correction1 = 1f - MathF.Pow(Beta1, Steps);
        float correction2 = 1f - MathF.Pow(Beta2, Steps);
        var p = _model.Parameters;
        var g = _model.Gradients;
        foreach (var tensor in _model.Layout.Tensors)
        {
            if (_skip is not null && _skip(tensor)) continue;
            float decay = tensor.IsMatrix ? WeightDecay : 0f;
            Update(p.AsSpan(tensor.Offset, tensor.Length), g.AsSpan(tensor.Offset, tensor.Length),
                FirstMoment.AsSpan(tensor.Offset, tensor.Length), SecondMoment.AsSpan(tensor.Offset, tensor.Length),
                learningRate, decay, correction1, correction2);
        }
    }

    private void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> first, Span<float> second,
        float learningRate, float decay, float correction1, float correction2)
    {
        float beta1 = Beta1, beta2 = Beta2, oneMinusBeta1 = 1f - Beta1, oneMinusBeta2 = 1f - Beta2, epsilon = Epsilon;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vBeta1 = Vector256.Create(beta1);
            var vBeta2 = Vector256.Create(beta2);
            var vOneMinusBeta1 = Vector256.Create(oneMinusBeta1);
            var vOneMinusBeta2 = Vector256.Create(oneMinusBeta2);
            var vCorrection1 = Vector256.Create(correction1);
            var vCorrection2 = Vector256.Create(correction2);
            var vEpsilon = Vector256.Create(epsilon);
            var vRate = Vector256.Create(learningRate);
            var vDecay = Vector256.Create(decay);
            for (; i <= p.Length - 8; i += 8)
            {
                var gi = Vector256.Create(g.Slice(i, 8));
                var m = vBeta1 * Vector256.Create(first.Slice(i, 8)) + vOneMinusBeta1 * gi;
                var v = vBeta2 * Vector256.Create(second.Slice(i, 8)) + vOneMinusBeta2 * gi * gi;
                m.CopyTo(first.Slice(i, 8));
                v.CopyTo(second.Slice(i, 8));
                var pi = Vector256.Create(p.Slice(i, 8));
                var mHat = m / vCorrection1;
                var vHat = v / vCorrection2;
                (pi - vRate * (mHat / (Vector256.Sqrt(vHat) + vEpsilon) + vDecay * pi)).CopyTo(p.Slice(i, 8));
            }
        }
        for (; i < p.Length; i++)
        {
            float m = first[i] = beta1 * first[i] + oneMinusBeta1 * g[i];
            float v = second[i] = beta2 * second[i] + oneMinusBeta2 * g[i] * g[i];
            float mHat = m / correction1, vHat = v / correction2;
            p[i] -= learningRate * (mHat / (MathF.Sqrt(vHat) + epsilon) + decay * p[i]);
        }
    }
}
