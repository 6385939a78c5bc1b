using System.Numerics.Tensors;
using PromiseGrid.Gpt.Compute;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// A GPT-2-style decoder over bytes: byte and learned position embeddings, pre-LayerNorm blocks
/// (causal multi-head self-attention and a GELU MLP, each added to the residual stream), a final
/// LayerNorm, and logits from the byte embedding (tied). Parameters and their gradients live in
/// one flat array each, laid out by <see cref="Layout"/>; forward and backward are written out
/// by hand. Not thread-safe: one forward/backward at a time.
/// </summary>
public sealed class GptModel
{
    private GptActivations? _acts;

    /// <summary>Creates a model with GPT-2's initialisation drawn from <paramref name="seed"/>.</summary>
    public GptModel(GptConfig config, int seed) : this(config)
    {
        Initialize(seed);
    }

    /// <summary>Creates a model with all parameters zero, to be filled from a checkpoint.</summary>
    public GptModel(GptConfig config)
    {
        Config = config.Validate();
        Layout = new GptParameterLayout(config);
        Parameters = new float[Layout.Count];
        Gradients = new float[Layout.Count];
    }

    public GptConfig Config { get; }
    public GptParameterLayout Layout { get; }

    /// <summary>All parameters, laid out by <see cref="Layout"/>.</summary>
    public float[] Parameters { get; }

    /// <summary>Gradients of the last <see cref="Backward"/> (accumulated until <see cref="ZeroGradients"/>).</summary>
    public float[] Gradients { get; }

    /// <summary>Degree of parallelism for the attention loops (results do not depend on it).</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    /// <summary>Named views of the parameters, in storage order, with GPT-2 names and shapes.</summary>
    public IEnumerable<(string Name, int[] Shape, Memory<float> Data)> Tensors() =>
        Layout.Tensors.Select(t => (t.Name, (int[])t.Shape.Clone(), Parameters.AsMemory(t.Offset, t.Length)));

    /// <summary>Named views of the gradients, same names and order as <see cref="Tensors"/>.</summary>
    public IEnumerable<(string Name, int[] Shape, Memory<float> Data)> GradientTensors() =>
        Layout.Tensors.Select(t => (t.Name, (int[])t.Shape.Clone(), Gradients.AsMemory(t.Offset, t.Length)));

    /// <summary>
    /// Normal(0, 0.02) weights, LayerNorm gains 1 and biases 0; the two projections that write into
    /// the residual stream are scaled by 1/√(2·layers) so the stream's variance does not grow with depth.
    /// </summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        float residualStd = 0.02f / MathF.Sqrt(2f * Config.Layers);
        foreach (var t in Layout.Tensors)
        {
            var data = Parameters.AsSpan(t.Offset, t.Length);
            if (t.Name.EndsWith(".bias", StringComparison.Ordinal))
                data.Clear();
            else if (t.Name.Contains("ln_", StringComparison.Ordinal))
                data.Fill(1f);
            else
            {
                float std = t.Name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02f;
                for (int i = 0; i < data.Length; i++) data[i] = std * NextGaussian(random);
            }
        }
    }

    private static float NextGaussian(Random random)
    {
        // Box–Muller; 1 − U keeps the logarithm finite.
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients() => Array.Clear(Gradients);

    /// <summary>
    /// Runs the model over <paramref name="batch"/> sequences of <paramref name="time"/> bytes
    /// (<paramref name="inputs"/> is [B,T]) and keeps the activations. With targets ([B,T], the
    /// next byte at each position) returns the mean cross-entropy in nats; without, returns NaN.
    /// </summary>
    public float Forward(ReadOnlySpan<byte> inputs, ReadOnlySpan<byte> targets, int batch, int time)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch must be at least 1.");
        if (time < 1 || time > Config.Context)
            throw new ArgumentOutOfRangeException(nameof(time), time, $"Time must be between 1 and the context ({Config.Context}).");
        if (inputs.Length != batch * time)
            throw new ArgumentException($"Expected {batch * time} input bytes, got {inputs.Length}.", nameof(inputs));
        if (!targets.IsEmpty && targets.Length != batch * time)
            throw new ArgumentException($"Expected {batch * time} target bytes, got {targets.Length}.", nameof(targets));

        if (_acts is null || _acts.Batch != batch || _acts.Time != time)
            _acts = new GptActivations(Config, batch, time);
        var a = _acts;
        inputs.CopyTo(a.Inputs);
        a.HasTargets = !targets.IsEmpty;
        if (a.HasTargets) targets.CopyTo(a.Targets);

        int c = Config.Dim, bt = batch * time, v = GptConfig.VocabularySize;
        var p = Parameters.AsSpan();
        var wte = Slice(p, Layout.TokenEmbedding);
        var wpe = Slice(p, Layout.PositionEmbedding);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < time; t++)
                Embed(wte, wpe, inputs[b * time + t], t, a.Encoded.AsSpan((b * time + t) * c, c));

        float[] residual = a.Encoded;
        for (int l = 0; l < Config.Layers; l++)
        {
            var w = Layout.Blocks[l];
            var s = a.Blocks[l];
            LayerNorm(residual, w.Ln1Weight, w.Ln1Bias, s.Ln1, s.Ln1Mean, s.Ln1Rstd, bt);
            MatMul.Multiply(s.Ln1, Slice(p, w.AttnWeight), s.Qkv, bt, c, 3 * c);
            TransformerOps.AddBias(s.Qkv, Slice(p, w.AttnBias), bt);
            AttentionForward(s.Qkv, s.Attention, s.AttentionOut, batch, time);
            MatMul.Multiply(s.AttentionOut, Slice(p, w.AttnProjWeight), a.Scratch, bt, c, c);
            TransformerOps.AddBias(a.Scratch, Slice(p, w.AttnProjBias), bt);
            TensorPrimitives.Add(residual, a.Scratch, s.Residual2);
            LayerNorm(s.Residual2, w.Ln2Weight, w.Ln2Bias, s.Ln2, s.Ln2Mean, s.Ln2Rstd, bt);
            MatMul.Multiply(s.Ln2, Slice(p, w.FcWeight), s.Fc, bt, c, 4 * c);
            TransformerOps.AddBias(s.Fc, Slice(p, w.FcBias), bt);
            TransformerOps.Gelu(s.Fc, s.FcGelu, bt, 4 * c);
            MatMul.Multiply(s.FcGelu, Slice(p, w.FcProjWeight), a.Scratch, bt, 4 * c, c);
            TransformerOps.AddBias(a.Scratch, Slice(p, w.FcProjBias), bt);
            TensorPrimitives.Add(s.Residual2, a.Scratch, s.Residual3);
            residual = s.Residual3;
        }
        LayerNorm(residual, Layout.FinalNormWeight, Layout.FinalNormBias, a.LnF, a.LnFMean, a.LnFRstd, bt);
        MatMul.MultiplyTransposedB(a.LnF, wte, a.Probabilities, bt, c, v);
        if (!a.HasTargets) return float.NaN;

        // Softmax in place, rows on both cores; the cross-entropy is then summed in double, in row
        // order, so the loss is neither limited by float rounding nor dependent on the split.
        var probabilities = a.Probabilities;
        var targetsCopy = a.Targets;
        var logs = a.RowLogProbabilities;
        TransformerOps.ForEachRowBlock(bt, (first, last) =>
        {
            for (int r = first; r < last; r++)
            {
                var row = probabilities.AsSpan(r * v, v);
                FixedOrderMath.SoftmaxInPlace(row);
                logs[r] = Math.Log(Math.Max(row[targetsCopy[r]], 1e-30f));
            }
        });
        double total = 0;
        for (int r = 0; r < bt; r++) total -= logs[r];
        return (float)(total / bt);
    }

    /// <summary>
    /// The natural log-probability the last forward pass with targets gave each target, [B,T] in
    /// row order: computed from the weights as they were at that forward, so a later
    /// <see cref="Backward"/> or optimizer step does not change them.
    /// </summary>
    public ReadOnlySpan<double> TargetLogProbabilities
    {
        get
        {
            var a = _acts ?? throw new InvalidOperationException("Forward has not run.");
            return a.RowLogProbabilities.AsSpan(0, a.Batch * a.Time);
        }
    }

    /// <summary>The logits of position t of sequence b after a forward pass without targets.</summary>
    public ReadOnlySpan<float> Logits(int b, int t)
    {
        var a = _acts ?? throw new InvalidOperationException("Forward has not run.");
        if (a.HasTargets) throw new InvalidOperationException("Logits are only kept by a forward pass without targets.");
        return a.Probabilities.AsSpan((b * a.Time + t) * GptConfig.VocabularySize, GptConfig.VocabularySize);
    }

    /// <summary>Adds the gradient of the last forward's mean loss to <see cref="Gradients"/>.</summary>
    public void Backward()
    {
        var a = _acts ?? throw new InvalidOperationException("Forward has not run.");
        if (!a.HasTargets) throw new InvalidOperationException("Backward needs a forward pass with targets.");
        a.HasTargets = false; // the probabilities become dlogits below; a second Backward would be wrong

        int batch = a.Batch, time = a.Time, c = Config.Dim, bt = batch * time, v = GptConfig.VocabularySize;
        var p = Parameters.AsSpan();
        var g = Gradients.AsSpan();

        // dloss/dlogits = (softmax − onehot(target)) / (B·T), written over the probabilities.
        float invBt = 1f / bt;
        TransformerOps.ForEachRowBlock(bt, (first, last) =>
        {
            for (int r = first; r < last; r++)
            {
                var row = a.Probabilities.AsSpan(r * v, v);
                row[a.Targets[r]] -= 1f;
                TensorPrimitives.Multiply(row, invBt, row);
            }
        });
        var wte = Slice(p, Layout.TokenEmbedding);
        MatMul.Multiply(a.Probabilities, wte, a.DNorm, bt, v, c);
        MatMul.MultiplyTransposedAAccumulate(a.Probabilities, a.LnF, Slice(g, Layout.TokenEmbedding), v, bt, c);

        float[] lastResidual = a.Blocks[^1].Residual3;
        Array.Clear(a.DResidual);
        TransformerOps.LayerNormBackward(a.DResidual, Slice(g, Layout.FinalNormWeight), Slice(g, Layout.FinalNormBias),
            a.DNorm, lastResidual, Slice(p, Layout.FinalNormWeight), a.LnFMean, a.LnFRstd, bt);

        for (int l = Config.Layers - 1; l >= 0; l--)
        {
            var w = Layout.Blocks[l];
            var s = a.Blocks[l];
            float[] residual = l == 0 ? a.Encoded : a.Blocks[l - 1].Residual3;
            // a.DResidual is d(residual3) = d(residual2) through the skip = d(MLP output).
            MatMul.MultiplyTransposedB(a.DResidual, Slice(p, w.FcProjWeight), a.DFcGelu, bt, c, 4 * c);
            MatMul.MultiplyTransposedAAccumulate(s.FcGelu, a.DResidual, Slice(g, w.FcProjWeight), 4 * c, bt, c);
            TransformerOps.BiasBackward(Slice(g, w.FcProjBias), a.DResidual, bt);
            TransformerOps.GeluBackward(s.Fc, a.DFcGelu, a.DFc, bt, 4 * c);
            MatMul.MultiplyTransposedB(a.DFc, Slice(p, w.FcWeight), a.DNorm, bt, 4 * c, c);
            MatMul.MultiplyTransposedAAccumulate(s.Ln2, a.DFc, Slice(g, w.FcWeight), c, bt, 4 * c);
            TransformerOps.BiasBackward(Slice(g, w.FcBias), a.DFc, bt);
            TransformerOps.LayerNormBackward(a.DResidual, Slice(g, w.Ln2Weight), Slice(g, w.Ln2Bias),
                a.DNorm, s.Residual2, Slice(p, w.Ln2Weight), s.Ln2Mean, s.Ln2Rstd, bt);
            // a.DResidual is now d(residual2) = d(residual) through the skip = d(attention projection).
            MatMul.MultiplyTransposedB(a.DResidual, Slice(p, w.AttnProjWeight), a.DAttentionOut, bt, c, c);
            MatMul.MultiplyTransposedAAccumulate(s.AttentionOut, a.DResidual, Slice(g, w.AttnProjWeight), c, bt, c);
            TransformerOps.BiasBackward(Slice(g, w.AttnProjBias), a.DResidual, bt);
            AttentionBackward(s.Qkv, s.Attention, a.DAttentionOut, a.DQkv, batch, time);
            MatMul.MultiplyTransposedB(a.DQkv, Slice(p, w.AttnWeight), a.DNorm, bt, 3 * c, c);
            MatMul.MultiplyTransposedAAccumulate(s.Ln1, a.DQkv, Slice(g, w.AttnWeight), c, bt, 3 * c);
            TransformerOps.BiasBackward(Slice(g, w.AttnBias), a.DQkv, bt);
            TransformerOps.LayerNormBackward(a.DResidual, Slice(g, w.Ln1Weight), Slice(g, w.Ln1Bias),
                a.DNorm, residual, Slice(p, w.Ln1Weight), s.Ln1Mean, s.Ln1Rstd, bt);
        }

        var dwte = Slice(g, Layout.TokenEmbedding);
        var dwpe = Slice(g, Layout.PositionEmbedding);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < time; t++)
            {
                var d = a.DResidual.AsSpan((b * time + t) * c, c);
                var te = dwte.Slice(a.Inputs[b * time + t] * c, c);
                var pe = dwpe.Slice(t * c, c);
                TensorPrimitives.Add(te, d, te);
                TensorPrimitives.Add(pe, d, pe);
            }
    }

    /// <summary>output = wte[token] + wpe[position].</summary>
    internal static void Embed(ReadOnlySpan<float> wte, ReadOnlySpan<float> wpe, byte token, int position, Span<float> output)
    {
        int c = output.Length;
        TensorPrimitives.Add(wte.Slice(token * c, c), wpe.Slice(position * c, c), output);
    }

    internal static Span<float> Slice(Span<float> data, ParameterTensor t) => data.Slice(t.Offset, t.Length);

    /// <summary>LayerNorm of every row (<see cref="TransformerOps.LayerNormRow"/>), blocks of rows on both cores.</summary>
    private void LayerNorm(float[] x, ParameterTensor weight, ParameterTensor bias, float[] output, float[] means, float[] rstds, int rows)
    {
        int c = Config.Dim;
        var parameters = Parameters;
        TransformerOps.ForEachRowBlock(rows, (first, last) =>
        {
            var w = parameters.AsSpan(weight.Offset, weight.Length);
            var b = parameters.AsSpan(bias.Offset, bias.Length);
            for (int r = first; r < last; r++)
                (means[r], rstds[r]) = TransformerOps.LayerNormRow(x.AsSpan(r * c, c), w, b, output.AsSpan(r * c, c));
        });
    }

    private ParallelOptions ParallelOptions => new() { MaxDegreeOfParallelism = Math.Max(1, Threads) };

    /// <summary>
    /// Each (sequence, head) pair writes only its own slices, so the split over threads cannot change the result.
    /// The pair's keys are first copied transposed (head width × time) for <see cref="TransformerOps.AttendRow"/>.
    /// </summary>
    private void AttentionForward(float[] qkv, float[] att, float[] output, int batch, int time)
    {
        int c = Config.Dim, heads = Config.Heads, hs = Config.HeadDim, stride = 3 * c;
        Parallel.For(0, batch * heads, ParallelOptions, () => new float[hs * time], (bh, _, keysT) =>
        {
            int b = bh / heads, h = bh % heads;
            int baseRow = b * time;
            for (int t = 0; t < time; t++)
            {
                var key = qkv.AsSpan((baseRow + t) * stride + c + h * hs, hs);
                for (int d = 0; d < hs; d++) keysT[d * time + t] = key[d];
            }
            var values = qkv.AsSpan(baseRow * stride + 2 * c + h * hs);
            for (int t = 0; t < time; t++)
            {
                var query = qkv.AsSpan((baseRow + t) * stride + h * hs, hs);
                var probs = att.AsSpan((bh * time + t) * time, time);
                TransformerOps.AttendRow(query, keysT, time, values, stride, t + 1, probs, output.AsSpan((baseRow + t) * c + h * hs, hs));
            }
            return keysT;
        }, _ => { });
    }

    /// <summary>Per (sequence, head) as in the forward; every gradient row is written by exactly one pair.</summary>
    private unsafe void AttentionBackward(float[] qkv, float[] att, float[] dout, float[] dqkv, int batch, int time)
    {
        int c = Config.Dim, heads = Config.Heads, hs = Config.HeadDim, stride = 3 * c;
        Parallel.For(0, batch * heads, ParallelOptions, () => new float[hs * time + time * time], (bh, _, scratch) =>
        {
            int b = bh / heads, h = bh % heads;
            int baseRow = b * time;
            fixed (float* pqkv = qkv, patt = att, pdout = dout, pdqkv = dqkv, pscratch = scratch)
            {
                long first = (long)baseRow * stride + h * hs;
                TransformerOps.AttendHeadBackward(time, hs,
                    pqkv + first, pqkv + first + c, pqkv + first + 2 * c, stride,
                    patt + (long)bh * time * time, time,
                    pdout + (long)baseRow * c + h * hs, c,
                    pdqkv + first, pdqkv + first + c, pdqkv + first + 2 * c,
                    pscratch, pscratch + hs * time);
            }
            return scratch;
        }, _ => { });
    }
}
