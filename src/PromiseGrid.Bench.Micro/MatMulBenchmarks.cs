using BenchmarkDotNet.Attributes;
using PromiseGrid.Gpt.Compute;

namespace PromiseGrid.Bench.Micro;

/// <summary>
/// <see cref="MatMul"/> (the GPT's packed SIMD matrix multiply, both cores) next to a naive i-k-j triple
/// loop on one core, on square products and the GPT's shapes: the projections of a 4096-byte
/// batch at dim 128 (4096×128·128×512 and back), the tied logits (4096×128·(256×128)ᵀ) and the
/// one-row products of KV-cached generation. GFLOP/s = 2·m·k·n / mean time.
/// </summary>
[MedianColumn]
public class MatMulBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>m×k·k×n, as "m,k,n".</summary>
    [Params("128,128,128", "256,256,256", "512,512,512", "1024,1024,1024", "4096,128,512", "4096,512,128", "1,128,512", "1,512,128")]
    public string Shape { get; set; } = "128,128,128";

    private int M => int.Parse(Shape.Split(',')[0]);
    private int K => int.Parse(Shape.Split(',')[1]);
    private int N => int.Parse(Shape.Split(',')[2]);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = Random(random, M * K);
        _b = Random(random, K * N);
        _c = new float[M * N];
    }

    [Benchmark(Baseline = true)]
    public void Naive()
    {
        int m = M, k = K, n = N;
        Array.Clear(_c);
        for (var i = 0; i < m; i++)
            for (var p = 0; p < k; p++)
            {
                var x = _a[i * k + p];
                for (var j = 0; j < n; j++) _c[i * n + j] += x * _b[p * n + j];
            }
    }

    [Benchmark]
    public void Packed() => MatMul.Multiply(_a, _b, _c, M, K, N);

    [Benchmark]
    public void PackedTransposedB() => MatMul.MultiplyTransposedB(_a, _b, _c, M, K, N);

    [Benchmark]
    public void PackedTransposedA() => MatMul.MultiplyTransposedA(_a, _b, _c, M, K, N);

    private static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = (float)random.NextDouble() - 0.5f;
        return values;
    }
}
