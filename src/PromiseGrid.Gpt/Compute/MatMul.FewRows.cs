using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PromiseGrid.Gpt.Compute;

public static partial class MatMul
{
    /// <summary>
    /// Up to this many rows of A (and above one) a plain product with B[k,n] skips packing: the
    /// products of a batched decoding step (<c>BatchedDecoder</c>, a few rows per core), where packing B
    /// would copy every weight once per product for only a handful of rows.
    /// </summary>
    private const int FewMaxRows = 16;

    /// <summary>
    /// Whether <see cref="FewRows"/> takes the product: nothing transposed, whole 16-column strips, and
    /// either few rows and one thread's work, or any number of rows that must stay on the calling
    /// thread (<see cref="MultiplySerial"/>: packing B would cost more than it saves there too, and the
    /// B strip in L1 serves every row strip).
    /// </summary>
    private static bool TakesFewRows(int m, int k, int n, bool transposedA, bool transposedB, bool serial) =>
        m >= 2 && !transposedA && !transposedB && n % NR == 0
        && (serial || (m <= FewMaxRows && (long)m * k * n < ParallelThreshold));

    /// <summary>
    /// C (=|+=) A[m,k]·B[k,n] straight from the row-major operands: for each k slice and each
    /// 16-column strip of B, strips of six rows (then of four) run a register tile that loads
    /// B[p, j..j+16] in place and broadcasts A[r, p] in place. Each element sums exactly as the packed
    /// path does (per <see cref="KC"/> slice from zero, in p order, the same multiply-add, slices added
    /// in order), so its bits do not depend on which path or which neighbours computed it. The strip of
    /// B (at most 256×16 floats) stays in L1 while the row strips pass over it.
    /// </summary>
    private static unsafe void FewRows(float* a, float* b, float* c, int m, int k, int n, bool accumulate)
    {
        // Six-row tiles, then four-row tiles for the last rows so that few rows are computed and
        // dropped: 8 rows as 4 + 4 (not 6 + 2 padded to 6), 16 as 6 + 6 + 4, 13 as 6 + 4 + 3.
        var rest = m % MR;
        var tail = rest == 5 ? 0 : rest is 1 or 2 && m > MR ? MR + rest : rest;
        var head = m - tail;
        for (var p0 = 0; p0 < k; p0 += KC)
        {
            var kc = Math.Min(KC, k - p0);
            var overwrite = p0 == 0 && !accumulate;
            for (var j = 0; j < n; j += NR)
            {
                var r = 0;
                for (; r < head; r += MR)
                    StridedTile6(kc, a + (long)r * k + p0, k, b + (long)p0 * n + j, n, c + (long)r * n + j, n, Math.Min(MR, head - r), overwrite);
                for (; r < m; r += 4)
                    StridedTile4(kc, a + (long)r * k + p0, k, b + (long)p0 * n + j, n, c + (long)r * n + j, n, Math.Min(4, m - r), overwrite);
            }
        }
    }

    /// <summary>
    /// The 6×16 tile of <see cref="Tile6x16"/> on unpacked operands: row q of A at a + q·lda, B[p] at
    /// b + p·ldb. Rows beyond <paramref name="rows"/> read row 0 again and are dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StridedTile6(int kc, float* a, int lda, float* b, int ldb, float* c, int ldc, int rows, bool overwrite)
    {
        float* a0 = a, a1 = rows > 1 ? a + lda : a, a2 = rows > 2 ? a + 2L * lda : a;
        float* a3 = rows > 3 ? a + 3L * lda : a, a4 = rows > 4 ? a + 4L * lda : a, a5 = rows > 5 ? a + 5L * lda : a;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a0[p]);
            c00 = MulAdd(x, b0, c00); c01 = MulAdd(x, b1, c01);
            x = Vector256.Create(a1[p]);
            c10 = MulAdd(x, b0, c10); c11 = MulAdd(x, b1, c11);
            x = Vector256.Create(a2[p]);
            c20 = MulAdd(x, b0, c20); c21 = MulAdd(x, b1, c21);
            x = Vector256.Create(a3[p]);
            c30 = MulAdd(x, b0, c30); c31 = MulAdd(x, b1, c31);
            x = Vector256.Create(a4[p]);
            c40 = MulAdd(x, b0, c40); c41 = MulAdd(x, b1, c41);
            x = Vector256.Create(a5[p]);
            c50 = MulAdd(x, b0, c50); c51 = MulAdd(x, b1, c51);
            b += ldb;
        }
        StoreRow(c, c00, c01, overwrite);
        if (rows > 1) StoreRow(c + ldc, c10, c11, overwrite);
        if (rows > 2) StoreRow(c + 2L * ldc, c20, c21, overwrite);
        if (rows > 3) StoreRow(c + 3L * ldc, c30, c31, overwrite);
        if (rows > 4) StoreRow(c + 4L * ldc, c40, c41, overwrite);
        if (rows > 5) StoreRow(c + 5L * ldc, c50, c51, overwrite);
    }

    /// <summary>A 4×16 <see cref="StridedTile6"/> for the last rows: eight accumulators, still enough to hide the FMA latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void StridedTile4(int kc, float* a, int lda, float* b, int ldb, float* c, int ldc, int rows, bool overwrite)
    {
        float* a0 = a, a1 = rows > 1 ? a + lda : a, a2 = rows > 2 ? a + 2L * lda : a, a3 = rows > 3 ? a + 3L * lda : a;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a0[p]);
            c00 = MulAdd(x, b0, c00); c01 = MulAdd(x, b1, c01);
            x = Vector256.Create(a1[p]);
            c10 = MulAdd(x, b0, c10); c11 = MulAdd(x, b1, c11);
            x = Vector256.Create(a2[p]);
            c20 = MulAdd(x, b0, c20); c21 = MulAdd(x, b1, c21);
            x = Vector256.Create(a3[p]);
            c30 = MulAdd(x, b0, c30); c31 = MulAdd(x, b1, c31);
            b += ldb;
        }
        StoreRow(c, c00, c01, overwrite);
        if (rows > 1) StoreRow(c + ldc, c10, c11, overwrite);
        if (rows > 2) StoreRow(c + 2L * ldc, c20, c21, overwrite);
        if (rows > 3) StoreRow(c + 3L * ldc, c30, c31, overwrite);
    }
}
