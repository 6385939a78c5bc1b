using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PromiseGrid.Gpt.Compute;

/// <summary>
/// Single-precision matrix products for the GPT's heavy work: row-major <c>float</c> matrices,
/// optionally transposed operands, overwrite or accumulate into the output.
/// </summary>
/// <remarks>
/// <para>
/// A blocked, packed product in the BLIS/GotoBLAS layout: the columns of B are cut into
/// <see cref="NC"/>-wide panels and the shared dimension into <see cref="KC"/>-deep slices;
/// each slice of B is packed into <see cref="NR"/>-wide strips and each <see cref="MC"/>-row
/// block of A into <see cref="MR"/>-row strips, zero-padded at the edges, so that a
/// register-blocked 6×16 tile (12 <see cref="Vector256{T}"/> accumulators, FMA when
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
/// (B[k,n] row by row; B[n,k] through 8×8 in-register transposes), summing in the same order;
/// so do plain products of 2 to <see cref="FewMaxRows"/> rows (the register tile on B in place, MatMul.FewRows.cs).
/// </para>
/// </remarks>
public static partial class MatMul
{
    /// <summary>Rows of the register tile.</summary>
    private const int MR = 6;

    /// <summary>Columns of the register tile (two Vector256 of floats).</summary>
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

    /// <summary>
    /// C[m,n] = A[m,k]·B[k,n] on the calling thread only (the same bits as <see cref="Multiply"/>): for a
    /// caller that already keeps every core busy, such as a window loaded beside a batched decoding step.
    /// </summary>
    internal static void MultiplySerial(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm(a, b, c, m, k, n, transposedA: false, transposedB: false, accumulate: false, serial: true);

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
        bool transposedA, bool transposedB, bool accumulate, bool serial = false)
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

        if (TakesFewRows(m, k, n, transposedA, transposedB, serial))
        {
            fixed (float* pa = a, pb = b, pc = c) FewRows(pa, pb, pc, m, k, n, accumulate);
            return;
        }

        if (m <= DirectMaxRows)
        {
            fixed (float* pa = a, pb = b, pc = c)
                for (var i = 0; i < m; i++)
                    DirectRow(pa, pb, pc + (long)i * n, i, m, k, n, transposedA, transposedB, accumulate);
            return;
        }

        var parallel = !serial && (long)m * k * n >= ParallelThreshold && Environment.ProcessorCount > 1;
        var packedB = ArrayPool<float>.Shared.Rent(KC * NC);
        try
        {
            fixed (float* pa = a, pb = b, pc = c, pbPack = packedB)
            {
                // Pointers cannot be captured by the parallel body; their addresses can.
                nint aAddress = (nint)pa, cAddress = (nint)pc, bPackAddress = (nint)pbPack;
                var blockRows = parallel ? BalancedBlockRows(m) : MC;
                var rowBlocks = (m + blockRows - 1) / blockRows;
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
                        var slice = new Slice(aAddress, cAddress, bPackAddress, m, k, n, p0, kc, jc, nc, strips, columnChunks, blockRows, transposedA, overwrite);
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

    /// <summary>
    /// Rows per block (a multiple of <see cref="MR"/>, at most <see cref="MC"/>) such that the blocks
    /// come in a multiple of the core count and are nearly equal: 1024 rows in 11 blocks of 96 would
    /// leave one core idle for a twelfth of the product. Only who computes a row depends on it.
    /// </summary>
    private static int BalancedBlockRows(int m)
    {
        var strips = (m + MR - 1) / MR;
        var cores = Environment.ProcessorCount;
        var blocks = (strips + MC / MR - 1) / (MC / MR);
        blocks = (blocks + cores - 1) / cores * cores;
        return (strips + blocks - 1) / blocks * MR;
    }

    /// <summary>One k slice of one B panel: the work items are (row block, column chunk) pairs.</summary>
    private sealed class Slice(
        nint a, nint c, nint packedB, int m, int k, int n, int p0, int kc, int jc, int nc,
        int strips, int columnChunks, int blockRows, bool transposedA, bool overwrite)
    {
        public unsafe void Compute(int item)
        {
            var i0 = item / columnChunks * blockRows;
            var chunk = item % columnChunks;
            var mc = Math.Min(blockRows, m - i0);
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
                            Tile6x16(kc, paPack + r * kc, bPack + j * kc, cBase + (long)(i0 + r) * n + jc + j, n, rows, cols, overwrite);
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
        if (transposed)
        {
            // A[row, p] = a[p·m + row]: row p of a holds the block's mc values contiguously, so read
            // it once, front to back, and deal it out six at a time to the strips.
            var fullStrips = mc / MR;
            for (var p = 0; p < kc; p++)
            {
                var src = a + (long)(p0 + p) * m + i0;
                var to = dst + p * MR;
                for (var s = 0; s < fullStrips; s++, src += MR, to += MR * kc)
                {
                    Vector128.Store(Vector128.Load(src), to);
                    to[4] = src[4];
                    to[5] = src[5];
                }
                var rows = mc - fullStrips * MR;
                if (rows > 0)
                {
                    for (var q = 0; q < rows; q++) to[q] = src[q];
                    for (var q = rows; q < MR; q++) to[q] = 0f;
                }
            }
            return;
        }
        for (var r = 0; r < mc; r += MR)
        {
            var rows = Math.Min(MR, mc - r);
            var strip = dst + r * kc;
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
    }

    /// <summary>
    /// Row <paramref name="i"/> of C without packing, summed exactly as the packed path sums it
    /// (per k slice, from zero, in p order, by the same fused or unfused multiply-add), so a row
    /// is bit-identical whichever path computed it. A wide enough single row (the matrix-vector
    /// products of KV-cached generation) is split by columns with <see cref="RowHelper"/>'s thread:
    /// a column's sum does not depend on who computes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DirectRow(float* a, float* b, float* c, int i, int m, int k, int n, bool transposedA, bool transposedB, bool accumulate)
    {
        const int StackFloats = 4096;
        float[]? rentedRow = null;
        Span<float> rowBuffer = transposedA ? (k <= StackFloats ? stackalloc float[k] : (rentedRow = ArrayPool<float>.Shared.Rent(k))) : default;
        try
        {
            fixed (float* rowCopy = rowBuffer)
            {
                var x = a + (long)i * k;
                if (transposedA)
                {
                    x = rowCopy;
                    for (var p = 0; p < k; p++) x[p] = a[(long)p * m + i];
                }
                if (m == 1 && (long)k * n >= RowHelper.MinimumMultiplyAdds && n >= 32)
                {
                    // The helper takes the upper columns (a multiple of 8 from the left edge) if it is free.
                    var split = (n / 2 + 7) & ~7;
                    var job = new RowHelper.Job((nint)x, (nint)b, (nint)c, k, n, split, n, transposedB, accumulate);
                    if (RowHelper.TryPost(job))
                    {
                        DirectColumns(x, b, c, k, n, 0, split, transposedB, accumulate);
                        RowHelper.Finish();
                        return;
                    }
                }
                DirectColumns(x, b, c, k, n, 0, n, transposedB, accumulate);
            }
        }
        finally
        {
            if (rentedRow is not null) ArrayPool<float>.Shared.Return(rentedRow);
        }
    }

    /// <summary>
    /// Columns [<paramref name="j0"/>, <paramref name="j1"/>) of c = x·B (or += with
    /// <paramref name="accumulate"/>). The first slice of an overwriting product accumulates
    /// straight into C; later slices go through a scratch row and are then added, as the packed
    /// path adds its tiles. Allocates nothing for rows up to 4096 wide.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void DirectColumns(float* x, float* b, float* c, int k, int n, int j0, int j1, bool transposedB, bool accumulate)
    {
        const int StackFloats = 4096;
        var cols = j1 - j0;
        if (cols <= 0) return;
        float[]? rentedSums = null;
        var needsSums = accumulate || k > KC;
        Span<float> sumsBuffer = needsSums ? (cols <= StackFloats ? stackalloc float[cols] : (rentedSums = ArrayPool<float>.Shared.Rent(cols))) : default;
        try
        {
            fixed (float* sums = sumsBuffer)
            {
                var to = c + j0;
                for (var p0 = 0; p0 < k; p0 += KC)
                {
                    var kc = Math.Min(KC, k - p0);
                    var overwrite = p0 == 0 && !accumulate;
                    var acc = overwrite ? to : sums;
                    if (transposedB) DirectSliceTransposedB(x + p0, b + (long)j0 * k + p0, acc, k, kc, cols);
                    else DirectSlice(x + p0, b + (long)p0 * n + j0, n, acc, kc, cols);
                    if (overwrite) continue;
                    var j = 0;
                    for (; j <= cols - 8; j += 8)
                        Vector256.Add(Vector256.Load(to + j), Vector256.Load(acc + j)).Store(to + j);
                    for (; j < cols; j++) to[j] += acc[j];
                }
            }
        }
        finally
        {
            if (rentedSums is not null) ArrayPool<float>.Shared.Return(rentedSums);
        }
    }

    /// <summary>
    /// acc[0..n] = Σₚ x[p]·B[p, 0..n] over one slice, B rows <paramref name="ldb"/> apart. Streams B
    /// row after row (eight rows per pass over acc), which the prefetchers follow at full speed,
    /// instead of walking down columns; acc stays in L1. Each element still starts from zero and
    /// adds its products in p order, as the packed path does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DirectSlice(float* x, float* b, int ldb, float* acc, int kc, int n)
    {
        var vectorEnd = n & ~7;
        for (var j = 0; j < vectorEnd; j += 8) Vector256<float>.Zero.Store(acc + j);
        for (var j = vectorEnd; j < n; j++) acc[j] = 0f;
        var p = 0;
        for (; p <= kc - 8; p += 8)
        {
            var r0 = b + (long)p * ldb;
            var x0 = Vector256.Create(x[p]);
            var x1 = Vector256.Create(x[p + 1]);
            var x2 = Vector256.Create(x[p + 2]);
            var x3 = Vector256.Create(x[p + 3]);
            var x4 = Vector256.Create(x[p + 4]);
            var x5 = Vector256.Create(x[p + 5]);
            var x6 = Vector256.Create(x[p + 6]);
            var x7 = Vector256.Create(x[p + 7]);
            var j = 0;
            for (; j < vectorEnd; j += 8)
            {
                var from = r0 + j;
                var s = Vector256.Load(acc + j);
                s = MulAdd(x0, Vector256.Load(from), s);
                s = MulAdd(x1, Vector256.Load(from + ldb), s);
                s = MulAdd(x2, Vector256.Load(from + 2 * ldb), s);
                s = MulAdd(x3, Vector256.Load(from + 3 * ldb), s);
                s = MulAdd(x4, Vector256.Load(from + 4 * ldb), s);
                s = MulAdd(x5, Vector256.Load(from + 5 * ldb), s);
                s = MulAdd(x6, Vector256.Load(from + 6 * ldb), s);
                s = MulAdd(x7, Vector256.Load(from + 7 * ldb), s);
                s.Store(acc + j);
            }
            for (; j < n; j++)
            {
                var s = acc[j];
                for (var q = 0; q < 8; q++) s = MulAdd(x[p + q], r0[(long)q * ldb + j], s);
                acc[j] = s;
            }
        }
        for (; p < kc; p++)
        {
            var r0 = b + (long)p * ldb;
            var x0 = Vector256.Create(x[p]);
            var j = 0;
            for (; j < vectorEnd; j += 8)
                MulAdd(x0, Vector256.Load(r0 + j), Vector256.Load(acc + j)).Store(acc + j);
            for (; j < n; j++) acc[j] = MulAdd(x[p], r0[j], acc[j]);
        }
    }

    /// <summary>
    /// acc[0..n] = Σₚ x[p]·B[0..n, p] over one slice, B rows <paramref name="k"/> apart (B stored
    /// [n,k]). Eight rows of B at a time: 8×8 blocks loaded along p and transposed in registers,
    /// so each lane still accumulates its own row in p order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    private static unsafe void Tile6x16(int kc, float* ap, float* bp, float* c, int ldc, int rows, int cols, bool overwrite)
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
