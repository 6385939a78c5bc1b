using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// <remarks>Reductions in <see cref="FixedOrderMath"/>'s order; the element-wise part is the same operations in a lane or the tail.</remarks>
    public static (float Mean, float Rstd) LayerNormRow(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> output)
    {
        int c = x.Length;
        if (w.Length < c || b.Length < c || output.Length < c) throw new ArgumentException("LayerNorm row shapes do not match.");
        float mean = FixedOrderMath.Sum(x) / c;
        float variance = FixedOrderMath.SumOfSquaredDeviations(x, mean) / c;
        float rstd = 1f / MathF.Sqrt(variance + LayerNormEpsilon);
        int i = 0;
        var vMean = Vector256.Create(mean);
        var vRstd = Vector256.Create(rstd);
        for (; i <= c - 8; i += 8)
            ((Vector256.Create(x.Slice(i, 8)) - vMean) * vRstd * Vector256.Create(w.Slice(i, 8)) + Vector256.Create(b.Slice(i, 8))).CopyTo(output.Slice(i, 8));
        for (; i < c; i++)
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
            var vMean = Vector256.Create(mean);
            var vRstd = Vector256.Create(rstd);
            // The two reductions of the LayerNorm Jacobian: mean of dnorm and of dnorm·x̂ (eight lanes, then the tail).
            var accDnorm = Vector256<float>.Zero;
            var accDnormNorm = Vector256<float>.Zero;
            int i = 0;
            for (; i <= c - 8; i += 8)
            {
                var norm = (Vector256.Create(xr.Slice(i, 8)) - vMean) * vRstd;
                var dnorm = Vector256.Create(w.Slice(i, 8)) * Vector256.Create(dr.Slice(i, 8));
                accDnorm += dnorm;
                accDnormNorm += dnorm * norm;
            }
            float dnormMean = Horizontal(accDnorm), dnormNormMean = Horizontal(accDnormNorm);
            for (; i < c; i++)
            {
                float norm = (xr[i] - mean) * rstd;
                float dnorm = w[i] * dr[i];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= c;
            dnormNormMean /= c;
            var vDnormMean = Vector256.Create(dnormMean);
            var vDnormNormMean = Vector256.Create(dnormNormMean);
            i = 0;
            for (; i <= c - 8; i += 8)
            {
                var d = Vector256.Create(dr.Slice(i, 8));
                var norm = (Vector256.Create(xr.Slice(i, 8)) - vMean) * vRstd;
                var dnorm = Vector256.Create(w.Slice(i, 8)) * d;
                (Vector256.Create(db.Slice(i, 8)) + d).CopyTo(db.Slice(i, 8));
                (Vector256.Create(dw.Slice(i, 8)) + norm * d).CopyTo(dw.Slice(i, 8));
                (Vector256.Create(dxr.Slice(i, 8)) + (dnorm - vDnormMean - norm * vDnormNormMean) * vRstd).CopyTo(dxr.Slice(i, 8));
            }
            for (; i < c; i++)
            {
                float norm = (xr[i] - mean) * rstd;
                float dnorm = w[i] * dr[i];
                db[i] += dr[i];
                dw[i] += norm * dr[i];
                dxr[i] += (dnorm - dnormMean - norm * dnormNormMean) * rstd;
            }
        }
    }

    private static float Horizontal(Vector256<float> v) =>
        ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));

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
        int i = 0;
        var half = Vector256.Create(0.5f);
        for (; i <= x.Length - 8; i += 8)
            (half * Vector256.Create(x.Slice(i, 8)) * (Vector256<float>.One + Vector256.Create(output.Slice(i, 8)))).CopyTo(output.Slice(i, 8));
        for (; i < x.Length; i++)
            output[i] = 0.5f * x[i] * (1f + output[i]);
    }

    /// <summary>dx = GELU'(x)·dout, row by row on both cores (tanh recomputed rather than stored).</summary>
    public static void GeluBackward(float[] x, float[] dout, float[] dx, int rows, int width) =>
        ForEachRowBlock(rows, (first, last) =>
        {
            const float Cubic = 3f * 0.044715f;
            var half = Vector256.Create(0.5f);
            var scale = Vector256.Create(GeluScale);
            var cubic = Vector256.Create(Cubic);
            for (int r = first; r < last; r++)
            {
                var xr = x.AsSpan(r * width, width);
                var dr = dout.AsSpan(r * width, width);
                var dxr = dx.AsSpan(r * width, width);
                GeluTanh(xr, dxr);
                int i = 0;
                for (; i <= width - 8; i += 8)
                {
                    var v = Vector256.Create(xr.Slice(i, 8));
                    var t = Vector256.Create(dxr.Slice(i, 8));
                    var grad = half * (Vector256<float>.One + t) + half * v * (Vector256<float>.One - t * t) * scale * (Vector256<float>.One + cubic * v * v);
                    (grad * Vector256.Create(dr.Slice(i, 8))).CopyTo(dxr.Slice(i, 8));
                }
                for (; i < width; i++)
                {
                    float v = xr[i], t = dxr[i];
                    float grad = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * GeluScale * (1f + Cubic * v * v);
                    dxr[i] = grad * dr[i];
                }
            }
        });

    private static void GeluTanh(ReadOnlySpan<float> x, Span<float> tanh)
    {
        int i = 0;
        var scale = Vector256.Create(GeluScale);
        var k = Vector256.Create(0.044715f);
        for (; i <= x.Length - 8; i += 8)
        {
            var v = Vector256.Create(x.Slice(i, 8));
            (scale * (v + k * v * v * v)).CopyTo(tanh.Slice(i, 8));
        }
        for (; i < x.Length; i++)
        {
            float v = x[i];
            tanh[i] = GeluScale * (v + 0.044715f * v * v * v);
        }
        TensorPrimitives.Tanh(tanh[..x.Length], tanh[..x.Length]);
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
    /// The keys come transposed (<paramref name="keysT"/>[d·<paramref name="keyStride"/> + j] is
    /// component d of key j), so the scores of eight keys are one vector of fused multiply-adds
    /// over d in ascending order; <paramref name="values"/> are row-strided (row j at
    /// j·<paramref name="valueStride"/>). <paramref name="probs"/> receives the softmax weights
    /// (length ≥ count). Every score, weight and output component is computed by the same
    /// operations in the same order whatever the strides, so the batched forward (keys of one
    /// sequence) and the KV cache (keys of every cached position) get the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void AttendRow(ReadOnlySpan<float> query, ReadOnlySpan<float> keysT, int keyStride,
        ReadOnlySpan<float> values, int valueStride, int count, Span<float> probs, Span<float> output)
    {
        int hs = query.Length;
        if (count < 1 || probs.Length < count || output.Length < hs) throw new ArgumentException("Attention row shapes do not match.");
        if (keysT.Length < (long)(hs - 1) * keyStride + count || values.Length < (long)(count - 1) * valueStride + hs)
            throw new ArgumentException("Attention keys or values are too short.");
        float scale = 1f / MathF.Sqrt(hs);
        fixed (float* q = query, kt = keysT, v = values, pr = probs, o = output)
        {
            Scores(q, hs, kt, keyStride, count, scale, pr);
            var row = probs[..count];
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);
            TensorPrimitives.Exp(row, row);
            float inv = 1f / FixedOrderMath.Sum(row);
            TensorPrimitives.Multiply(row, inv, row);
            WeightedSum(pr, count, v, valueStride, hs, o);
        }
    }

    /// <summary>
    /// s[j] = (Σ_d q[d]·kT[d·ld + j])·scale, j &lt; count: one fused multiply-add chain per key, d ascending.
    /// Keys go 64 at a time (eight vectors, eight independent chains), then 32; the last 1 to 31 keys (count ≥ 8)
    /// also go as four vectors whose starts are clamped to count − 8, so they overlap keys already done
    /// (recomputed to the same bits) instead of running one latency-bound vector and then scalar chains
    /// (which cost more than the rest of a row's scores); nothing past key count − 1 is read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Scores(float* q, int hs, float* kt, int ld, int count, float scale, float* s)
    {
        int j = 0;
        var vs = Vector256.Create(scale);
        for (; j <= count - 64; j += 64)
        {
            // Eight independent chains: enough to keep both multiply-add pipes busy despite the latency.
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var from = kt + j;
            for (int d = 0; d < hs; d++, from += ld)
            {
                var x = Vector256.Create(q[d]);
                a0 = MulAdd(x, Vector256.Load(from), a0);
                a1 = MulAdd(x, Vector256.Load(from + 8), a1);
                a2 = MulAdd(x, Vector256.Load(from + 16), a2);
                a3 = MulAdd(x, Vector256.Load(from + 24), a3);
                a4 = MulAdd(x, Vector256.Load(from + 32), a4);
                a5 = MulAdd(x, Vector256.Load(from + 40), a5);
                a6 = MulAdd(x, Vector256.Load(from + 48), a6);
                a7 = MulAdd(x, Vector256.Load(from + 56), a7);
            }
            (a0 * vs).Store(s + j); (a1 * vs).Store(s + j + 8); (a2 * vs).Store(s + j + 16); (a3 * vs).Store(s + j + 24);
            (a4 * vs).Store(s + j + 32); (a5 * vs).Store(s + j + 40); (a6 * vs).Store(s + j + 48); (a7 * vs).Store(s + j + 56);
        }
        for (; j <= count - 32; j += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var from = kt + j;
            for (int d = 0; d < hs; d++, from += ld)
            {
                var x = Vector256.Create(q[d]);
                a0 = MulAdd(x, Vector256.Load(from), a0);
                a1 = MulAdd(x, Vector256.Load(from + 8), a1);
                a2 = MulAdd(x, Vector256.Load(from + 16), a2);
                a3 = MulAdd(x, Vector256.Load(from + 24), a3);
            }
            (a0 * vs).Store(s + j); (a1 * vs).Store(s + j + 8); (a2 * vs).Store(s + j + 16); (a3 * vs).Store(s + j + 24);
        }
        if (j < count && count >= 8)
        {
            int last = count - 8, o1 = Math.Min(j + 8, last), o2 = Math.Min(j + 16, last), o3 = Math.Min(j + 24, last);
            int o0 = Math.Min(j, last);
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var from = kt;
            for (int d = 0; d < hs; d++, from += ld)
            {
                var x = Vector256.Create(q[d]);
                a0 = MulAdd(x, Vector256.Load(from + o0), a0);
                a1 = MulAdd(x, Vector256.Load(from + o1), a1);
                a2 = MulAdd(x, Vector256.Load(from + o2), a2);
                a3 = MulAdd(x, Vector256.Load(from + o3), a3);
            }
            (a0 * vs).Store(s + o0); (a1 * vs).Store(s + o1); (a2 * vs).Store(s + o2); (a3 * vs).Store(s + o3);
            return;
        }
        for (; j < count; j++)
        {
            float a = 0;
            var from = kt + j;
            for (int d = 0; d < hs; d++, from += ld) a = MulAdd(q[d], *from, a);
            s[j] = a * scale;
        }
    }

    /// <summary>o[d] = Σ_j p[j]·v[j·stride + d], j ascending, one fused multiply-add chain per component.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightedSum(float* p, int count, float* v, int stride, int hs, float* o)
    {
        int d = 0;
        for (; d <= hs - 32; d += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var from = v + d;
            for (int j = 0; j < count; j++, from += stride)
            {
                var x = Vector256.Create(p[j]);
                a0 = MulAdd(x, Vector256.Load(from), a0);
                a1 = MulAdd(x, Vector256.Load(from + 8), a1);
                a2 = MulAdd(x, Vector256.Load(from + 16), a2);
                a3 = MulAdd(x, Vector256.Load(from + 24), a3);
            }
            a0.Store(o + d); a1.Store(o + d + 8); a2.Store(o + d + 16); a3.Store(o + d + 24);
        }
        for (; d <= hs - 8; d += 8)
        {
            Vector256<float> a0 = default;
            var from = v + d;
            for (int j = 0; j < count; j++, from += stride) a0 = MulAdd(Vector256.Create(p[j]), Vector256.Load(from), a0);
            a0.Store(o + d);
        }
        for (; d < hs; d++)
        {
            float a = 0;
            var from = v + d;
            for (int j = 0; j < count; j++, from += stride) a = MulAdd(p[j], *from, a);
            o[d] = a;
        }
    }

    /// <summary>
    /// Backward of <see cref="AttendRow"/> over one sequence and one head, all T query rows.
    /// <paramref name="q"/>, <paramref name="k"/>, <paramref name="v"/> and their gradients are
    /// row-strided (row t at t·<paramref name="stride"/>; the gradients are overwritten),
    /// <paramref name="probs"/> holds the forward's softmax weights as T rows of
    /// <paramref name="probsStride"/>, <paramref name="dout"/> the output gradient (rows
    /// <paramref name="doutStride"/> apart). <paramref name="valuesT"/> (hs·T) and
    /// <paramref name="dscores"/> (T·T) are scratch. Each gradient row is one register-held sum
    /// in a fixed order, so the result does not depend on who runs which head.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void AttendHeadBackward(int time, int hs, float* q, float* k, float* v, int stride,
        float* probs, int probsStride, float* dout, int doutStride, float* dq, float* dk, float* dv,
        float* valuesT, float* dscores)
    {
        float scale = 1f / MathF.Sqrt(hs);
        for (int t = 0; t < time; t++)
            for (int d = 0; d < hs; d++) valuesT[d * time + t] = v[t * stride + d];
        for (int t = 0; t < time; t++)
        {
            int count = t + 1;
            var p = probs + (long)t * probsStride;
            var ds = dscores + (long)t * time;
            // d(prob_j) = dout_t·v_j, then the softmax Jacobian: ds_j = p_j·(dp_j − Σ p·dp)·scale.
            Scores(dout + (long)t * doutStride, hs, valuesT, time, count, 1f, ds);
            float weighted = FixedOrderMath.Dot(new ReadOnlySpan<float>(p, count), new ReadOnlySpan<float>(ds, count));
            for (int j = 0; j < count; j++) ds[j] = p[j] * (ds[j] - weighted) * scale;
            // dq_t = Σ_j ds_j·k_j.
            WeightedSum(ds, count, k, stride, hs, dq + (long)t * stride);
        }
        // dk_j = Σ_{t≥j} ds[t,j]·q_t and dv_j = Σ_{t≥j} p[t,j]·dout_t: columns of ds and p.
        for (int j = 0; j < time; j++)
        {
            ColumnWeightedSum(dscores + j, time, j, time, q, stride, hs, dk + (long)j * stride);
            ColumnWeightedSum(probs + j, probsStride, j, time, dout, doutStride, hs, dv + (long)j * stride);
        }
    }

    /// <summary>o[d] = Σ_{t=first}^{time−1} w[t·ld]·x[t·stride + d], t ascending, one fused multiply-add chain per component.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ColumnWeightedSum(float* w, int ld, int first, int time, float* x, int stride, int hs, float* o)
    {
        int d = 0;
        for (; d <= hs - 32; d += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int t = first; t < time; t++)
            {
                var c = Vector256.Create(w[(long)t * ld]);
                var from = x + (long)t * stride + d;
                a0 = MulAdd(c, Vector256.Load(from), a0);
                a1 = MulAdd(c, Vector256.Load(from + 8), a1);
                a2 = MulAdd(c, Vector256.Load(from + 16), a2);
                a3 = MulAdd(c, Vector256.Load(from + 24), a3);
            }
            a0.Store(o + d); a1.Store(o + d + 8); a2.Store(o + d + 16); a3.Store(o + d + 24);
        }
        for (; d <= hs - 8; d += 8)
        {
            Vector256<float> a0 = default;
            for (int t = first; t < time; t++)
                a0 = MulAdd(Vector256.Create(w[(long)t * ld]), Vector256.Load(x + (long)t * stride + d), a0);
            a0.Store(o + d);
        }
        for (; d < hs; d++)
        {
            float a = 0;
            for (int t = first; t < time; t++) a = MulAdd(w[(long)t * ld], x[(long)t * stride + d], a);
            o[d] = a;
        }
    }

    /// <summary>Fused multiply-add when the CPU has it; the scalar and vector forms round alike, so a key's score is the same in a vector lane or the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MulAdd(float x, float y, float acc) => Fma.IsSupported ? MathF.FusedMultiplyAdd(x, y, acc) : x * y + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> x, Vector256<float> y, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : Vector256.Add(Vector256.Multiply(x, y), acc);
}
