using PromiseGrid.Gpt.Compute;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Compute;

/// <summary>
/// <see cref="MatMul"/> against a naive triple loop in double precision, over shapes that hit
/// every edge of the blocking (1×1×1, odd sizes, 127/129 around the tile and slice sizes, more
/// than one k slice and B panel), and its determinism guarantees.
/// </summary>
public sealed class MatMulTests
{
    public enum Variant { Plain, TransposedA, TransposedB }

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 1, 1 }, { 1, 7, 1 }, { 2, 3, 5 }, { 5, 1, 17 }, { 6, 16, 16 }, { 7, 17, 15 },
        { 13, 31, 33 }, { 127, 129, 127 }, { 129, 127, 129 }, { 1, 300, 129 }, { 97, 513, 33 },
        { 200, 64, 2100 }, { 64, 256, 257 }, { 3, 1000, 40 }, { 4, 600, 45 }, { 2, 70, 1000 },
        // The unpacked few-row path (2 to 16 rows, whole 16-column strips): a batched decoding step's products.
        { 2, 64, 32 }, { 5, 300, 48 }, { 8, 128, 512 }, { 11, 257, 16 }, { 16, 512, 128 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_matches_the_naive_product(int m, int k, int n) => Check(Variant.Plain, m, k, n, accumulate: false);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedA_matches_the_naive_product(int m, int k, int n) => Check(Variant.TransposedA, m, k, n, accumulate: false);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedB_matches_the_naive_product(int m, int k, int n) => Check(Variant.TransposedB, m, k, n, accumulate: false);

    [Theory]
    [InlineData(Variant.Plain, 1, 1, 1)]
    [InlineData(Variant.Plain, 129, 300, 127)]
    [InlineData(Variant.TransposedA, 7, 513, 19)]
    [InlineData(Variant.TransposedA, 129, 127, 129)]
    [InlineData(Variant.TransposedB, 13, 31, 33)]
    [InlineData(Variant.TransposedB, 200, 257, 70)]
    [InlineData(Variant.Plain, 9, 600, 32)]
    public void Accumulating_variants_add_the_product_to_C(Variant variant, int m, int k, int n) => Check(variant, m, k, n, accumulate: true);

    [Fact]
    public void An_empty_shared_dimension_gives_zero_or_leaves_C_alone()
    {
        var c = new[] { 1f, 2f, 3f, 4f };
        MatMul.MultiplyAccumulate([], [], c, 2, 0, 2);
        Assert.Equal([1f, 2f, 3f, 4f], c);
        MatMul.Multiply([], [], c, 2, 0, 2);
        Assert.Equal([0f, 0f, 0f, 0f], c);
    }

    [Fact]
    public void Too_short_operands_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => MatMul.Multiply(new float[5], new float[6], new float[4], 2, 3, 2));
        Assert.Contains("m·k = 6", ex.Message);
        Assert.Throws<ArgumentException>(() => MatMul.MultiplyTransposedB(new float[6], new float[5], new float[4], 2, 3, 2));
        Assert.Throws<ArgumentException>(() => MatMul.MultiplyTransposedA(new float[6], new float[6], new float[3], 2, 3, 2));
    }

    [Theory]
    [InlineData(Variant.Plain)]
    [InlineData(Variant.TransposedA)]
    [InlineData(Variant.TransposedB)]
    public void Two_calls_on_a_parallel_sized_product_are_bit_identical(Variant variant)
    {
        const int m = 300, k = 700, n = 260; // above the parallel threshold, several row blocks and k slices
        var random = new Random(11);
        var a = RandomMatrix(random, m * k);
        var b = RandomMatrix(random, k * n);
        var first = new float[m * n];
        var second = new float[m * n];
        Run(variant, a, b, first, m, k, n, accumulate: false);
        Run(variant, a, b, second, m, k, n, accumulate: false);
        Assert.Equal(Bits(first), Bits(second));
    }

    [Theory]
    [InlineData(Variant.Plain)]
    [InlineData(Variant.TransposedB)]
    public void A_row_computed_alone_equals_the_same_row_of_a_large_product(Variant variant)
    {
        // KV-cached generation multiplies one row at a time; it must give the very bits the
        // full-sequence forward pass gives (one-thread small product vs parallel large one).
        const int m = 250, k = 600, n = 130;
        var random = new Random(5);
        var a = RandomMatrix(random, m * k);
        var b = RandomMatrix(random, k * n);
        var full = new float[m * n];
        Run(variant, a, b, full, m, k, n, accumulate: false);
        foreach (var row in new[] { 0, 97, 249 })
        {
            var single = new float[n];
            Run(variant, a.AsSpan(row * k, k).ToArray(), b, single, 1, k, n, accumulate: false);
            Assert.Equal(Bits(full.AsSpan(row * n, n).ToArray()), Bits(single));
        }
    }

    [Theory]
    [InlineData(128, 384)]  // a decoding step's q|k|v product
    [InlineData(512, 128)]  // its second MLP product: two k slices
    [InlineData(600, 32)]
    public void Each_row_of_a_few_row_product_equals_the_row_alone_and_in_a_large_product(int k, int n)
    {
        // A batched decoding step multiplies a few streams' rows at once (unpacked); each stream must
        // get the bits it gets alone (one row) and in a prompt's many-row (packed, parallel) product.
        var random = new Random(k + n);
        const int large = 200;
        var a = RandomMatrix(random, large * k);
        var b = RandomMatrix(random, k * n);
        var full = new float[large * n];
        MatMul.Multiply(a, b, full, large, k, n);
        for (var m = 2; m <= 17; m++)
        {
            var few = new float[m * n];
            MatMul.Multiply(a.AsSpan(0, m * k), b, few, m, k, n);
            for (var row = 0; row < m; row++)
            {
                var single = new float[n];
                MatMul.Multiply(a.AsSpan(row * k, k), b, single, 1, k, n);
                Assert.Equal(Bits(single), Bits(few.AsSpan(row * n, n).ToArray()));
                Assert.Equal(Bits(full.AsSpan(row * n, n).ToArray()), Bits(few.AsSpan(row * n, n).ToArray()));
            }
        }
    }

    [Theory]
    [InlineData(65, 128, 384)]  // a window loaded beside a batched step
    [InlineData(64, 512, 128)]
    [InlineData(129, 300, 70)]  // columns not in whole strips: the packed path, on one thread
    public void A_serial_product_gives_the_bits_of_the_parallel_one(int m, int k, int n)
    {
        var random = new Random(m + k + n);
        var a = RandomMatrix(random, m * k);
        var b = RandomMatrix(random, k * n);
        var parallel = new float[m * n];
        var serial = new float[m * n];
        MatMul.Multiply(a, b, parallel, m, k, n);
        MatMul.MultiplySerial(a, b, serial, m, k, n);
        Assert.Equal(Bits(parallel), Bits(serial));
    }

    [Theory]
    [InlineData(1, 300, 70)]
    [InlineData(3, 40, 33)]
    [InlineData(150, 600, 90)]
    public void The_three_layouts_give_the_same_bits(int m, int k, int n)
    {
        // The model may keep a transposed copy of a weight (or of the K cache) so that one-row
        // products take the fastest layout; the bits must not depend on that choice.
        var random = new Random(17);
        var a = RandomMatrix(random, m * k);
        var b = RandomMatrix(random, k * n);
        var plain = new float[m * n];
        var viaTransposedA = new float[m * n];
        var viaTransposedB = new float[m * n];
        MatMul.Multiply(a, b, plain, m, k, n);
        MatMul.MultiplyTransposedA(Transpose(a, m, k), b, viaTransposedA, m, k, n);
        MatMul.MultiplyTransposedB(a, Transpose(b, k, n), viaTransposedB, m, k, n);
        Assert.Equal(Bits(plain), Bits(viaTransposedA));
        Assert.Equal(Bits(plain), Bits(viaTransposedB));
    }

    private static float[] Transpose(float[] x, int rows, int columns)
    {
        var t = new float[x.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++) t[c * rows + r] = x[r * columns + c];
        return t;
    }

    private static void Check(Variant variant, int m, int k, int n, bool accumulate)
    {
        var random = new Random(m * 1_000_003 + k * 1_009 + n);
        var a = RandomMatrix(random, m * k);
        var b = RandomMatrix(random, k * n);
        var initial = RandomMatrix(random, m * n);
        var c = (float[])initial.Clone();
        Run(variant, a, b, c, m, k, n, accumulate);

        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = accumulate ? initial[i * n + j] : 0, magnitude = accumulate ? Math.Abs(initial[i * n + j]) : 0;
                for (var p = 0; p < k; p++)
                {
                    double x = variant == Variant.TransposedA ? a[p * m + i] : a[i * k + p];
                    double y = variant == Variant.TransposedB ? b[j * k + p] : b[p * n + j];
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }
                // The classic bound for a float dot product: |error| ≤ (k+1)·ε·Σ|xᵢyᵢ| (ε = 2⁻²³ ≈ 1.2e-7).
                var tolerance = 1.2e-7 * (k + 2) * magnitude + 1e-30;
                var actual = c[i * n + j];
                if (Math.Abs(actual - sum) > tolerance)
                    Assert.Fail($"{variant} {m}×{k}×{n}: C[{i},{j}] = {actual}, expected {sum} ± {tolerance}");
            }
        }
    }

    private static void Run(Variant variant, float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate)
    {
        switch (variant, accumulate)
        {
            case (Variant.Plain, false): MatMul.Multiply(a, b, c, m, k, n); break;
            case (Variant.Plain, true): MatMul.MultiplyAccumulate(a, b, c, m, k, n); break;
            case (Variant.TransposedA, false): MatMul.MultiplyTransposedA(a, b, c, m, k, n); break;
            case (Variant.TransposedA, true): MatMul.MultiplyTransposedAAccumulate(a, b, c, m, k, n); break;
            case (Variant.TransposedB, false): MatMul.MultiplyTransposedB(a, b, c, m, k, n); break;
            default: MatMul.MultiplyTransposedBAccumulate(a, b, c, m, k, n); break;
        }
    }

    private static float[] RandomMatrix(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
