using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Sums and dot products whose summation order depends only on the length. TensorPrimitives'
/// reductions peel elements to reach an aligned address on long inputs, so their rounding can
/// change with where the GC placed an array; training must be bit-for-bit reproducible, and the
/// KV-cached generator must match the batched forward exactly, so reductions go through here.
/// </summary>
internal static class FixedOrderMath
{
    /// <summary>Σ x[i]: eight lanes over whole blocks of 8 from index 0, lanes added in order, then the tail.</summary>
    public static float Sum(ReadOnlySpan<float> x)
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        var acc = Vector256<float>.Zero;
        for (; i + 8 <= n; i += 8)
            acc += Vector256.LoadUnsafe(ref rx, (nuint)i);
        float s = Horizontal(acc);
        for (; i < n; i++) s += Unsafe.Add(ref rx, i);
        return s;
    }

    /// <summary>Σ a[i]·b[i], same order as <see cref="Sum"/>; products are not fused, so the result is the same with or without FMA hardware.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("Dot product of spans of different lengths.");
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        int n = a.Length, i = 0;
        var acc = Vector256<float>.Zero;
        for (; i + 8 <= n; i += 8)
            acc += Vector256.LoadUnsafe(ref ra, (nuint)i) * Vector256.LoadUnsafe(ref rb, (nuint)i);
        float s = Horizontal(acc);
        for (; i < n; i++) s += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        return s;
    }

    /// <summary>Σ (x[i] − mean)², same order as <see cref="Sum"/>: LayerNorm's variance.</summary>
    public static float SumOfSquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        ref float rx = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        var acc = Vector256<float>.Zero;
        var vm = Vector256.Create(mean);
        for (; i + 8 <= n; i += 8)
        {
            var d = Vector256.LoadUnsafe(ref rx, (nuint)i) - vm;
            acc += d * d;
        }
        float s = Horizontal(acc);
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref rx, i) - mean;
            s += d * d;
        }
        return s;
    }

    /// <summary>
    /// y[i] += a·x[i] (multiply then add, not fused: exact per element, so any split gives the same bits).
    /// Inlined Vector256 loop: the attention calls this on head-sized rows, where a library call costs more than the work.
    /// </summary>
    public static void MultiplyAddInPlace(ReadOnlySpan<float> x, float a, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("Spans of different lengths.");
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        var va = Vector256.Create(a);
        for (; i + 8 <= n; i += 8)
            (Vector256.LoadUnsafe(ref rx, (nuint)i) * va + Vector256.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ry, i) += Unsafe.Add(ref rx, i) * a;
    }

    /// <summary>Softmax in place: max, exp(x − max), normalise; the sum in fixed order.</summary>
    public static void SoftmaxInPlace(Span<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x) if (v > max) max = v;
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        for (int i = 0; i < x.Length; i++) x[i] *= inv;
    }

    private static float Horizontal(Vector256<float> v) =>
        ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}
