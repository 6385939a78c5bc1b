using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PromiseGrid.Gpt.Kernels;

/// <summary>
/// Single-precision matrix products for the GPT's heavy work: row-major <c>float</c> matrices,
/// optionally transposed operands, overwrite or accumulate into the output.
/// </summary>
/// <remarks>
/// <para>
/// A blocked, packed kernel in the BLIS/GotoBLAS layout: the columns of B are cut into
/// <see cref="NC"/>-wide panels and the shared dimension into <see cref="KC"/>-deep slices;
/// each slice of B is packed into <see cref="NR"/>-wide strips and each <see cref="MC"/>-row
/// block of A into <see cref="MR"/>-row strips, zero-padded at the edges, so that a
/// register-blocked 6×16 micro-kernel (12 <see cref="Vector256{T}"/> accumulators, FMA when
/// the CPU has it) streams both operands from contiguous memory.
/// </para>
/// <para>
/// Determinism: every output element is computed the same way whatever the shape, the thread
/// count or the scheduling. For each <see cref="KC"/> slice of k (fixed boundaries 0, KC, 2·KC, ...)
/// a fresh accumulator sums the products in increasing k order by fused multiply-adds (or
/// multiply then add where FMA is missing), and the slices are then added into C in order. Work is
/// split across threads by output blocks only, so one thread owns each element. A consequence
/// the model relies on: row i of C depends only on row i of A and on B, bit for bit, so a
/// one-row product (KV-cached generation) equals the same row of a many-row product; and the
/// three layouts give the same bits, so the model may store a weight in whichever layout is fastest.
/// </para>
/// <para>
/// Products of at most <see cref="DirectMaxRows"/> rows skip packing and stream B directly
/// (B[k,n] row by row; B[n,k] through 8×8 in-register transposes), summing in the same order.
/// </para>
/// </remarks>
public static class MatMul
{
    /// <summary>Rows of the micro-kernel tile.</summary>
    private const int MR = 6;

    /// <summary>Columns of the micro-kernel tile (two Vector256 of floats).</summary>
    private const int NR = 16;

    /// <summary>Depth of a k slice: a packed A strip (6×256 floats) and B strip (16×256 floats) stay in L1/L2.</summary>
    private const int KC = 256;

    /// <summary>Rows of A packed at once (a multiple of <see cref="MR"/>): 96×256 floats = 96 KiB, L2-resident.</summary>
    private const int MC = 96;

    /// <summary>Columns of a B panel (a multiple of <see cref="NR"/>): 256×2048 floats = 2 MiB, L3-resident.</summary>
    private const int NC = 2048;

    /// <summary>Below this many multiply-adds (m·k·n) the product runs on the calling thread: fork/join costs more than it saves.</summary>
    private const long ParallelThreshold = 1L << 20;

    /// <summary>
    /// Up to this many rows of A the product skips packing (which would cost as much as the
    /// product itself) and streams B directly: the one-row products of KV-cached generation.
    /// </summary>
    private const int DirectMaxRows = 4;

    /// <summary>C[m,n] = A[m,k]·B[k,n].</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm(a, b, c, m, k, n, transposedA: false, transposedB: false, accumulate: false);

    /// <summary>C[m,n] = A[m,k]·B[n,k]ᵀ.</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm(a, b, c, m, k, n, transposedA: false, transposedB: true, accumulate: false);

    /// <summary>C[m,n] = A[k,m]ᵀ·B[k,n].</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm(a, b, c, m, k, n, transposedA: true, transposedB: false, accumulate: false);

    /// <summary>C[m,n] += A[m,k]·B[k,n].</summary>
    public static void MultiplyAccumulate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm(a, b, c, m, k, n, transposedA: false, transposedB: false, accumulate: true);

    /// <summary>C[m,n] += A[m,k]·B[n,k]ᵀ.</summary>
    public static void MultiplyTransposedBAccumulate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm(a, b, c, m, k, n, transposedA: false, transposedB: true, accumulate: true);

    /// <summary>C[m,n] += A[k,m]ᵀ·B[k,n].</summary>
    public static void MultiplyTransposedAAccumulate(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm(a, b, c, m, k, n, transposedA: true, transposedB: false, accumulate: true);

    private static unsafe void Gemm(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n,
        bool transposedA, bool transposedB, bool accumulate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (a.Length < (long)m * k) throw new ArgumentException($"A holds {a.Length} floats, fewer than m·k = {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} floats, fewer than k·n = {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C holds {c.Length} floats, fewer than m·n = {(long)m * n}.", nameof(c));
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }

        if (m <= DirectMaxRows)
        {
            fixed (float* pa = a, pb = b, pc = c)
                for (var i = 0; i < m; i++)
                    DirectRow(pa, pb, pc + (long)i * n, i, m, k, n, transposedA, transposedB, accumulate);
            return;
        }

        var parallel = (long)m * k * n >= ParallelThreshold && Environment.ProcessorCount > 1;
        var packedB = ArrayPool<float>.Shared.Rent(KC * NC);
        try
        {
            fixed (float* pa = a, pb = b, pc = c, pbPack = packedB)
            {
                // Pointers cannot be captured by the parallel body; their addresses can.
                nint aAddress = (nint)pa, cAddress = (nint)pc, bPackAddress = (nint)pbPack;
                var rowBlocks = (m + MC - 1) / MC;
                for (var jc = 0; jc < n; jc += NC)
                {
                    var nc = Math.Min(NC, n - jc);
                    var strips = (nc + NR - 1) / NR;
                    // Few row blocks (a short A) would leave a core idle: cut the panel's strips
                    // into column chunks as well. Chunks only change who computes an element, never how.
                    var columnChunks = parallel && rowBlocks < 2 * Environment.ProcessorCount
                        ? Math.Min(strips, (2 * Environment.ProcessorCount + rowBlocks - 1) / rowBlocks)
                        : 1;
                    var items = rowBlocks * columnChunks;
                    for (var p0 = 0; p0 < k; p0 += KC)
                    {
                        var kc = Math.Min(KC, k - p0);
                        PackB(pb, transposedB, k, n, p0, kc, jc, nc, pbPack);
                        var overwrite = p0 == 0 && !accumulate;
                        var slice = new Slice(aAddress, cAddress, bPackAddress, m, k, n, p0, kc, jc, nc, strips, columnChunks, transposedA, overwrite);
                        if (parallel && items > 1)
                            Parallel.For(0, items, slice.Compute);
                        else
                            for (var item = 0; item < items; item++) slice.Compute(item);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    /// <summary>One k slice of one B panel: the work items are (row block, column chunk) pairs.</summary>
    private sealed class Slice(
        nint a, nint c, nint packedB, int m, int k, int n, int p0, int kc, int jc, int nc,
        int strips, int columnChunks, bool transposedA, bool overwrite)
    {
        public unsafe void Compute(int item)
        {
            var i0 = item / columnChunks * MC;
            var chunk = item % columnChunks;
            var mc = Math.Min(MC, m - i0);
            var s0 = chunk * strips / columnChunks;
            var s1 = (chunk + 1) * strips / columnChunks;
            var packedA = ArrayPool<float>.Shared.Rent(MC * KC);
            try
            {
                fixed (float* paPack = packedA)
                {
                    PackA((float*)a, transposedA, m, k, i0, mc, p0, kc, paPack);
                    var bPack = (float*)packedB;
                    var cBase = (float*)c;
                    for (var s = s0; s < s1; s++)
                    {
                        var j = s * NR;
                        var cols = Math.Min(NR, nc - j);
                        for (var r = 0; r < mc; r += MR)
                        {
                            var rows = Math.Min(MR, mc - r);
                            Kernel6x16(kc, paPack + r * kc, bPack + j * kc, cBase + (long)(i0 + r) * n + jc + j, n, rows, cols, overwrite);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(packedA);
            }
        }
    }

    /// <summary>
    /// Packs B[p0..p0+kc, jc..jc+nc] into NR-wide strips: strip s holds, for each p, the 16
    /// values B[p, jc+16s .. jc+16s+15] contiguously, zero beyond column n.
    /// </summary>
    private static unsafe void PackB(float* b, bool transposed, int k, int n, int p0, int kc, int jc, int nc, float* dst)
    {
        for (var j = 0; j < nc; j += NR)
        {
            var cols = Math.Min(NR, nc - j);
            var strip = dst + j * kc;
            if (!transposed)
            {
                // B[p, col] = b[p·n + col]: rows of 16 are already contiguous.
                for (var p = 0; p < kc; p++)
                {
                    var src = b + (long)(p0 + p) * n + jc + j;
                    var to = strip + p * NR;
                    if (cols == NR)
                    {
                        Vector256.Store(Vector256.Load(src), to);
                        Vector256.Store(Vector256.Load(src + 8), to + 8);
                    }
                    else
                    {
                        for (var q = 0; q < cols; q++) to[q] = src[q];
                        for (var q = cols; q < NR; q++) to[q] = 0f;
                    }
                }
            }
            else
            {
                // B[p, col] = b[col·k + p]: walk each source row once, scatter with stride 16.
                for (var q = 0; q < NR; q++)
                {
                    if (q < cols)
                    {
                        var src = b + (long)(jc + j + q) * k + p0;
                        for (var p = 0; p < kc; p++) strip[p * NR + q] = src[p];
                    }
                    else
                    {
                        for (var p = 0; p < kc; p++) strip[p * NR + q] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs A[i0..i0+mc, p0..p0+kc] into MR-row strips: strip r holds, for each p, the 6 values
    /// A[i0+6r .. i0+6r+5, p] contiguously, zero beyond row m.
    /// </summary>
    private static unsafe void PackA(float* a, bool transposed, int m, int k, int i0, int mc, int p0, int kc, float* dst)
    {
        for (var r = 0; r < mc; r += MR)
        {
            var rows = Math.Min(MR, mc - r);
            var strip = dst + r * kc;
            if (!transposed)
            {
                // A[row, p] = a[row·k + p].
                for (var q = 0; q < MR; q++)
                {
                    if (q < rows)
                    {
                        var src = a + (long)(i0 + r + q) * k + p0;
                        for (var p = 0; p < kc; p++) strip[p * MR + q] = src[p];
                    }
                    else
                    {
                        for (var p = 0; p < kc; p++) strip[p * MR + q] = 0f;
                    }
                }
            }
            else
            {
                // A[row, p] = a[p·m + row]: the 6 rows of a strip are contiguous for each p.
                for (var p = 0; p < kc; p++)
                {
                    var src = a + (long)(p0 + p) * m + i0 + r;
                    var to = strip + p * MR;
                    for (var q = 0; q < rows; q++) to[q] = src[q];
                    for (var q = rows; q < MR; q++) to[q] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Row <paramref name="i"/> of C without packing, summed exactly as the packed kernel sums it
    /// (per k slice, from zero, in p order, by the same fused or unfused multiply-add), so a row
    /// is bit-identical whichever path computed it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DirectRow(float* a, float* b, float* c, int i, int m, int k, int n, bool transposedA, bool transposedB, bool accumulate)
    {
        var row = ArrayPool<float>.Shared.Rent(k);
        var sums = ArrayPool<float>.Shared.Rent(n);
        try
        {
            fixed (float* x = row, acc = sums)
            {
                for (var p = 0; p < k; p++) x[p] = transposedA ? a[(long)p * m + i] : a[(long)i * k + p];
                for (var p0 = 0; p0 < k; p0 += KC)
                {
                    var kc = Math.Min(KC, k - p0);
                    if (transposedB) DirectSliceTransposedB(x + p0, b + p0, acc, k, kc, n);
                    else DirectSlice(x + p0, b + (long)p0 * n, acc, kc, n);
                    var overwrite = p0 == 0 && !accumulate;
                    var j = 0;
                    for (; j <= n - 8; j += 8)
                        (overwrite ? Vector256.Load(acc + j) : Vector256.Add(Vector256.Load(c + j), Vector256.Load(acc + j))).Store(c + j);
                    for (; j < n; j++) c[j] = overwrite ? acc[j] : c[j] + acc[j];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(row);
            ArrayPool<float>.Shared.Return(sums);
        }
    }

    /// <summary>acc[0..n] = Σₚ x[p]·B[p, 0..n] over one slice, B rows <paramref name="n"/> apart, 32 columns in registers at a time.</summary>
    private static unsafe void DirectSlice(float* x, float* b, float* acc, int kc, int n)
    {
        var j = 0;
        for (; j <= n - 32; j += 32)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            var from = b + j;
            for (var p = 0; p < kc; p++, from += n)
            {
                var v = Vector256.Create(x[p]);
                s0 = MulAdd(v, Vector256.Load(from), s0);
                s1 = MulAdd(v, Vector256.Load(from + 8), s1);
                s2 = MulAdd(v, Vector256.Load(from + 16), s2);
                s3 = MulAdd(v, Vector256.Load(from + 24), s3);
            }
            s0.Store(acc + j); s1.Store(acc + j + 8); s2.Store(acc + j + 16); s3.Store(acc + j + 24);
        }
        for (; j <= n - 8; j += 8)
        {
            Vector256<float> s0 = default;
            var from = b + j;
            for (var p = 0; p < kc; p++, from += n) s0 = MulAdd(Vector256.Create(x[p]), Vector256.Load(from), s0);
            s0.Store(acc + j);
        }
        for (; j < n; j++)
        {
            var sum = 0f;
            for (var p = 0; p < kc; p++) sum = MulAdd(x[p], b[(long)p * n + j], sum);
            acc[j] = sum;
        }
    }

    /// <summary>
    /// acc[0..n] = Σₚ x[p]·B[0..n, p] over one slice, B rows <paramref name="k"/> apart (B stored
    /// [n,k]). Eight rows of B at a time: 8×8 blocks loaded along p and transposed in registers,
    /// so each lane still accumulates its own row in p order.
    /// </summary>
    private static unsafe void DirectSliceTransposedB(float* x, float* b, float* acc, int k, int kc, int n)
    {
        var j = 0;
        if (Avx.IsSupported)
        {
            for (; j <= n - 8; j += 8)
            {
                Vector256<float> sum = default;
                var from = b + (long)j * k;
                var p = 0;
                for (; p <= kc - 8; p += 8)
                {
                    var r0 = Vector256.Load(from + p);
                    var r1 = Vector256.Load(from + k + p);
                    var r2 = Vector256.Load(from + 2L * k + p);
                    var r3 = Vector256.Load(from + 3L * k + p);
                    var r4 = Vector256.Load(from + 4L * k + p);
                    var r5 = Vector256.Load(from + 5L * k + p);
                    var r6 = Vector256.Load(from + 6L * k + p);
                    var r7 = Vector256.Load(from + 7L * k + p);
                    var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
                    var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
                    var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
                    var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
                    var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
                    var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
                    var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
                    var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
                    // Column q = (B[j..j+8, p+q]); added in q order.
                    sum = MulAdd(Vector256.Create(x[p]), Avx.Permute2x128(u0, u4, 0x20), sum);
                    sum = MulAdd(Vector256.Create(x[p + 1]), Avx.Permute2x128(u1, u5, 0x20), sum);
                    sum = MulAdd(Vector256.Create(x[p + 2]), Avx.Permute2x128(u2, u6, 0x20), sum);
                    sum = MulAdd(Vector256.Create(x[p + 3]), Avx.Permute2x128(u3, u7, 0x20), sum);
                    sum = MulAdd(Vector256.Create(x[p + 4]), Avx.Permute2x128(u0, u4, 0x31), sum);
                    sum = MulAdd(Vector256.Create(x[p + 5]), Avx.Permute2x128(u1, u5, 0x31), sum);
                    sum = MulAdd(Vector256.Create(x[p + 6]), Avx.Permute2x128(u2, u6, 0x31), sum);
                    sum = MulAdd(Vector256.Create(x[p + 7]), Avx.Permute2x128(u3, u7, 0x31), sum);
                }
                for (; p < kc; p++)
                {
                    var column = Vector256.Create(from[p], from[k + p], from[2L * k + p], from[3L * k + p],
                        from[4L * k + p], from[5L * k + p], from[6L * k + p], from[7L * k + p]);
                    sum = MulAdd(Vector256.Create(x[p]), column, sum);
                }
                sum.Store(acc + j);
            }
        }
        for (; j < n; j++)
        {
            var sum = 0f;
            var from = b + (long)j * k;
            for (var p = 0; p < kc; p++) sum = MulAdd(x[p], from[p], sum);
            acc[j] = sum;
        }
    }

    /// <summary>The scalar twin of the vector multiply-add: fused exactly when the vector one is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MulAdd(float x, float y, float acc) => Fma.IsSupported ? MathF.FusedMultiplyAdd(x, y, acc) : x * y + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> x, Vector256<float> y, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : Vector256.Add(Vector256.Multiply(x, y), acc);

    /// <summary>
    /// The 6×16 register tile: C[0..rows, 0..cols] (=|+=) Σₚ Aₚ·Bₚ over one k slice, products
    /// accumulated in p order from zero, then stored (first slice of an overwriting product) or
    /// added to C. Padding rows and columns are computed and dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x16(int kc, float* ap, float* bp, float* c, int ldc, int rows, int cols, bool overwrite)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var x = Vector256.Create(ap[0]);
            c00 = MulAdd(x, b0, c00); c01 = MulAdd(x, b1, c01);
            x = Vector256.Create(ap[1]);
            c10 = MulAdd(x, b0, c10); c11 = MulAdd(x, b1, c11);
            x = Vector256.Create(ap[2]);
            c20 = MulAdd(x, b0, c20); c21 = MulAdd(x, b1, c21);
            x = Vector256.Create(ap[3]);
            c30 = MulAdd(x, b0, c30); c31 = MulAdd(x, b1, c31);
            x = Vector256.Create(ap[4]);
            c40 = MulAdd(x, b0, c40); c41 = MulAdd(x, b1, c41);
            x = Vector256.Create(ap[5]);
            c50 = MulAdd(x, b0, c50); c51 = MulAdd(x, b1, c51);
            ap += MR;
            bp += NR;
        }

        if (rows == MR && cols == NR)
        {
            StoreRow(c, c00, c01, overwrite);
            StoreRow(c + ldc, c10, c11, overwrite);
            StoreRow(c + 2 * ldc, c20, c21, overwrite);
            StoreRow(c + 3 * ldc, c30, c31, overwrite);
            StoreRow(c + 4 * ldc, c40, c41, overwrite);
            StoreRow(c + 5 * ldc, c50, c51, overwrite);
            return;
        }

        // Edge tile: spill the whole tile, then write only the part inside C.
        var tile = stackalloc float[MR * NR];
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
        for (var r = 0; r < rows; r++)
        {
            var to = c + (long)r * ldc;
            var from = tile + r * NR;
            if (overwrite)
                for (var q = 0; q < cols; q++) to[q] = from[q];
            else
                for (var q = 0; q < cols; q++) to[q] += from[q];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* c, Vector256<float> low, Vector256<float> high, bool overwrite)
    {
        if (!overwrite)
        {
            low = Vector256.Add(Vector256.Load(c), low);
            high = Vector256.Add(Vector256.Load(c + 8), high);
        }
        low.Store(c);
        high.Store(c + 8);
    }
}
