using PromiseGrid.Gpt.Compute;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Compute;

/// <summary>
/// How <see cref="MatMul"/> splits a product (row blocks sized to the core count on the parallel
/// path, fixed blocks on the serial one, no packing for a few rows) never changes a bit of the result.
/// </summary>
public sealed class MatMulSplitTests
{
    [Theory]
    [InlineData(MatMulTests.Variant.Plain, 1024, 128, 384)]      // the GPT's QKV product: 12 balanced blocks of 90 rows
    [InlineData(MatMulTests.Variant.Plain, 257, 600, 130)]       // several k slices, ragged last block
    [InlineData(MatMulTests.Variant.TransposedA, 512, 1024, 128)] // a weight gradient: transposed A packed row by row
    [InlineData(MatMulTests.Variant.TransposedA, 130, 300, 70)]
    [InlineData(MatMulTests.Variant.TransposedB, 1024, 128, 256)] // the tied logits
    public void A_parallel_product_equals_the_same_rows_computed_in_small_serial_pieces(MatMulTests.Variant variant, int m, int k, int n)
    {
        var random = new Random(m + k + n);
        var a = Random(random, m * k);
        var b = Random(random, k * n);
        var whole = new float[m * n];
        Run(variant, a, b, whole, m, k, n);

        // Pieces of 1, 5 and 7 rows: the unpacked path, and packed products too small to go parallel.
        int row = 0, piece = 0;
        int[] sizes = [1, 5, 7];
        while (row < m)
        {
            int rows = Math.Min(sizes[piece++ % sizes.Length], m - row);
            var part = new float[rows * k];
            for (int i = 0; i < rows; i++)
                for (int p = 0; p < k; p++)
                    part[variant == MatMulTests.Variant.TransposedA ? p * rows + i : i * k + p] =
                        variant == MatMulTests.Variant.TransposedA ? a[p * m + row + i] : a[(row + i) * k + p];
            var c = new float[rows * n];
            Run(variant, part, b, c, rows, k, n);
            Assert.Equal(Bits(whole.AsSpan(row * n, rows * n).ToArray()), Bits(c));
            row += rows;
        }
    }

    private static void Run(MatMulTests.Variant variant, float[] a, float[] b, float[] c, int m, int k, int n)
    {
        switch (variant)
        {
            case MatMulTests.Variant.Plain: MatMul.Multiply(a, b, c, m, k, n); break;
            case MatMulTests.Variant.TransposedA: MatMul.MultiplyTransposedA(a, b, c, m, k, n); break;
            default: MatMul.MultiplyTransposedB(a, b, c, m, k, n); break;
        }
    }

    private static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
