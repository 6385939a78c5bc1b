using System.Numerics.Tensors;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// The per-row building blocks of the decoder, forward and backward. Both the batched
/// forward and the KV-cached generator call these same row functions, so the two paths do
/// the same float operations in the same order and produce identical bits.
/// </summary>
internal static class TransformerOps
{
    /// <summary>LayerNorm's epsilon, as in GPT-2.</summary>
    public const float LayerNormEpsilon = 1e-5f;

    private static readonly float GeluScale = MathF.Sqrt(2f / MathF.PI);

    /// <summary>out = (x − mean)·rstd·w + b over one row; returns (mean, rstd) for the backward pass.</summary>
    public static (float Mean, float Rstd) LayerNormRow(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> output)
    {
        int c = x.Length;
        float mean = FixedOrderMath.Sum(x) / c;
        float variance = 0;
        for (int i = 0; i < c; i++)
        {
            float d = x[i] - mean;
            variance += d * d;
        }
        variance /= c;
        float rstd = 1f / MathF.Sqrt(variance + LayerNormEpsilon);
        for (int i = 0; i < c; i++)
            output[i] = (x[i] - mean) * rstd * w[i] + b[i];
        return (mean, rstd);
    }

    /// <summary>LayerNorm over <paramref name="rows"/> rows of width C.</summary>
    public static void LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> output,
        Span<float> means, Span<float> rstds, int rows)
    {
        int c = w.Length;
        for (int r = 0; r < rows; r++)
            (means[r], rstds[r]) = LayerNormRow(x.Slice(r * c, c), w, b, output.Slice(r * c, c));
    }

    /// <summary>dx += LayerNorm'(dout); dw += dout·x̂; db += dout (rows in ascending order: deterministic).</summary>
    public static void LayerNormBackward(Span<float> dx, Span<float> dw, Span<float> db, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> means, ReadOnlySpan<float> rstds, int rows)
    {
        int c = w.Length;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * c, c);
            var dr = dout.Slice(r * c, c);
            var dxr = dx.Slice(r * c, c);
            float mean = means[r], rstd = rstds[r];
            // The two reductions of the LayerNorm Jacobian: mean of dnorm and of dnorm·x̂.
            float dnormMean = 0, dnormNormMean = 0;
            for (int i = 0; i < c; i++)
            {
                float norm = (xr[i] - mean) * rstd;
                float dnorm = w[i] * dr[i];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= c;
            dnormNormMean /= c;
            for (int i = 0; i < c; i++)
            {
                float norm = (xr[i] - mean) * rstd;
                float dnorm = w[i] * dr[i];
                db[i] += dr[i];
                dw[i] += norm * dr[i];
                dxr[i] += (dnorm - dnormMean - norm * dnormNormMean) * rstd;
            }
        }
    }

    /// <summary>Adds the bias to every row of an [rows, n] matrix.</summary>
    public static void AddBias(Span<float> x, ReadOnlySpan<float> bias, int rows)
    {
        int n = bias.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * n, n);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>dbias += column sums of dout[rows, n].</summary>
    public static void BiasBackward(Span<float> dbias, ReadOnlySpan<float> dout, int rows)
    {
        int n = dbias.Length;
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(dbias, dout.Slice(r * n, n), dbias);
    }

    /// <summary>
    /// GELU, tanh approximation (GPT-2's), applied row by row (rows of <paramref name="width"/>)
    /// on both cores. Every row goes through the same vectorised calls whatever the batch,
    /// so the KV-cached path (one row) gets the same bits as the batched one.
    /// </summary>
    public static void Gelu(float[] x, float[] output, int rows, int width) =>
        ForEachRowBlock(rows, (first, last) =>
        {
            for (int r = first; r < last; r++)
                GeluRow(x.AsSpan(r * width, width), output.AsSpan(r * width, width));
        });

    /// <summary>GELU of one row: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static void GeluRow(ReadOnlySpan<float> x, Span<float> output)
    {
        GeluTanh(x, output);
        for (int i = 0; i < x.Length; i++)
            output[i] = 0.5f * x[i] * (1f + output[i]);
    }

    /// <summary>dx = GELU'(x)·dout, row by row on both cores (tanh recomputed rather than stored).</summary>
    public static void GeluBackward(float[] x, float[] dout, float[] dx, int rows, int width) =>
        ForEachRowBlock(rows, (first, last) =>
        {
            for (int r = first; r < last; r++)
            {
                var xr = x.AsSpan(r * width, width);
                var dr = dout.AsSpan(r * width, width);
                var dxr = dx.AsSpan(r * width, width);
                GeluTanh(xr, dxr);
                for (int i = 0; i < width; i++)
                {
                    float v = xr[i], t = dxr[i];
                    float grad = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * GeluScale * (1f + 3f * 0.044715f * v * v);
                    dxr[i] = grad * dr[i];
                }
            }
        });

    private static void GeluTanh(ReadOnlySpan<float> x, Span<float> tanh)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            tanh[i] = GeluScale * (v + 0.044715f * v * v * v);
        }
        TensorPrimitives.Tanh(tanh, tanh);
    }

    /// <summary>
    /// Runs <paramref name="body"/> over [first, last) row ranges in parallel. For row-independent
    /// work only: who computes a row never changes what is computed.
    /// </summary>
    public static void ForEachRowBlock(int rows, Action<int, int> body)
    {
        const int block = 64;
        int blocks = (rows + block - 1) / block;
        if (blocks <= 1) { body(0, rows); return; }
        Parallel.For(0, blocks, i => body(i * block, Math.Min(rows, (i + 1) * block)));
    }

    /// <summary>
    /// Causal attention of one query against keys/values 0..<paramref name="count"/>−1 for one head.
    /// <paramref name="keys"/> and <paramref name="values"/> are row-strided (row i at i·stride);
    /// <paramref name="probs"/> receives the softmax weights (length ≥ count).
    /// </summary>
    public static void AttendRow(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, int stride,
        int count, Span<float> probs, Span<float> output)
    {
        int hs = query.Length;
        float scale = 1f / MathF.Sqrt(hs);
        float max = float.NegativeInfinity;
        for (int j = 0; j < count; j++)
        {
            float s = FixedOrderMath.Dot(query, keys.Slice(j * stride, hs)) * scale;
            probs[j] = s;
            if (s > max) max = s;
        }
        float sum = 0;
        for (int j = 0; j < count; j++)
        {
            float e = MathF.Exp(probs[j] - max);
            probs[j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        output.Clear();
        for (int j = 0; j < count; j++)
        {
            probs[j] *= inv;
            FixedOrderMath.MultiplyAddInPlace(values.Slice(j * stride, hs), probs[j], output);
        }
    }

    /// <summary>
    /// Backward of <see cref="AttendRow"/> for query row t: accumulates into dq (one row) and
    /// dk, dv (rows 0..t, same stride as the keys). <paramref name="scratch"/> holds t+1 floats.
    /// </summary>
    public static void AttendRowBackward(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        int stride, int count, ReadOnlySpan<float> probs, ReadOnlySpan<float> dout,
        Span<float> dquery, Span<float> dkeys, Span<float> dvalues, Span<float> scratch)
    {
        int hs = query.Length;
        float scale = 1f / MathF.Sqrt(hs);
        // d(prob_j) = dout·v_j; dv_j += prob_j·dout.
        float weighted = 0;
        for (int j = 0; j < count; j++)
        {
            float dp = FixedOrderMath.Dot(dout, values.Slice(j * stride, hs));
            scratch[j] = dp;
            weighted += dp * probs[j];
            var dv = dvalues.Slice(j * stride, hs);
            FixedOrderMath.MultiplyAddInPlace(dout, probs[j], dv);
        }
        // Softmax Jacobian: d(score_j) = prob_j·(dp_j − Σ prob·dp), then through q·k·scale.
        for (int j = 0; j < count; j++)
        {
            float dscore = probs[j] * (scratch[j] - weighted) * scale;
            FixedOrderMath.MultiplyAddInPlace(keys.Slice(j * stride, hs), dscore, dquery);
            var dk = dkeys.Slice(j * stride, hs);
            FixedOrderMath.MultiplyAddInPlace(query, dscore, dk);
        }
    }
}
