using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Bench.Gpt;

/// <summary>
/// Floating-point operations (a multiply-add counts as two) the GPT does per byte, to turn the
/// bench's bytes/s into GFLOP/s and a share of the machine's peak. Counts the matrix products
/// and attention, which are nearly all of the work; layer norms, GELU, softmax and AdamW are left
/// out, so the share is a slight underestimate.
/// </summary>
/// <remarks>
/// Per position of a window of <c>T</c> bytes, forward: each block's four weight matrices
/// (qkv d×3d, projection d×d, MLP d×4d and 4d×d: 12d² weights, 2 FLOP each), causal attention
/// (scores and weighted sum: 2·2·d per earlier position, T+1 over 2 of them on average), and the
/// output head tied to the 256 byte embeddings (2·256·d). Training is forward plus a backward
/// that costs twice as much (gradients of inputs and of weights).
/// </remarks>
public static class GptFlops
{
    /// <summary>Forward FLOP per byte over windows of the model's context.</summary>
    public static double Forward(GptConfig config)
    {
        double d = config.Dim, t = config.Context;
        double block = 2 * 12 * d * d + 2 * 2 * d * (t + 1) / 2;
        return config.Layers * block + 2 * 256 * d;
    }

    /// <summary>Training FLOP per target byte: forward, and backward at twice its cost.</summary>
    public static double Training(GptConfig config) => 3 * Forward(config);

    /// <summary>
    /// Peak single-precision FLOP/s of this machine's cores if they are AVX2 with two FMA units (16
    /// FLOP a cycle per unit: 8 floats × multiply and add), at the clock /proc/cpuinfo reports; null
    /// when that is unknown.
    /// </summary>
    public static double? Peak()
    {
        try
        {
            var mhz = File.ReadLines("/proc/cpuinfo")
                .Where(l => l.StartsWith("cpu MHz", StringComparison.Ordinal))
                .Select(l => double.Parse(l[(l.IndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
                .DefaultIfEmpty(0).Max();
            return mhz <= 0 || !System.Runtime.Intrinsics.X86.Fma.IsSupported ? null : Environment.ProcessorCount * mhz * 1e6 * 32;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
