using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PromiseGrid.Gpt.Training;

/// <summary>Global-norm gradient clipping.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="gradients"/> so that their L2 norm is at most <paramref name="maxNorm"/>
    /// and returns the norm before clipping. The squares are summed in double, in four interleaved
    /// partial sums (element i into sum i mod 4, in index order) that are then added in a fixed
    /// order: the same bits on every run and machine with AVX, four times fewer dependent additions
    /// than one running sum.
    /// </summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        double sum = SumOfSquares(gradients);
        float norm = (float)Math.Sqrt(sum);
        if (norm > maxNorm && norm > 0)
        {
            float scale = maxNorm / norm;
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, scale, gradients);
        }
        return norm;
    }

    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        ref float start = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        var acc = Vector256<double>.Zero;
        for (; i + 4 <= n; i += 4)
        {
            var v = Vector256.WidenLower(Vector256.Create(Vector128.LoadUnsafe(ref start, (nuint)i), Vector128<float>.Zero));
            acc += v * v;
        }
        double s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
        for (; i < n; i++)
        {
            double g = x[i];
            switch (i & 3)
            {
                case 0: s0 += g * g; break;
                case 1: s1 += g * g; break;
                case 2: s2 += g * g; break;
                default: s3 += g * g; break;
            }
        }
        return (s0 + s1) + (s2 + s3);
    }
}
