using BenchmarkDotNet.Attributes;
using PromiseGrid.Core;

namespace PromiseGrid.Bench.Micro;

/// <summary>
/// <see cref="PrefixTrie{T}.TryMatch"/> over random 4–32 byte prefixes (fixed seed). Each
/// benchmark looks up a batch of <see cref="BatchSize"/> pre-generated inputs, so the figure
/// is per lookup. Target (README.md#performance): ≤ 100 ns median at 1 M routes, no allocation.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PrefixTrieBenchmarks
{
    private const int BatchSize = 1024;
    private const int Seed = 20240604;

    private PrefixTrie<int> _trie = PrefixTrie<int>.Empty;
    private byte[][] _hits = [];
    private byte[][] _misses = [];

    [Params(1_000, 100_000, 1_000_000)]
    public int Routes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(Seed);
        var builder = new PrefixTrieBuilder<int>();
        var prefixes = new List<byte[]>(Routes);
        var distinct = new HashSet<Sequence>(Routes);
        while (prefixes.Count < Routes)
        {
            var prefix = RandomBytes(random, random.Next(4, 33));
            if (!distinct.Add(new Sequence(prefix))) continue;
            prefixes.Add(prefix);
            builder.Add(new Sequence(prefix), prefixes.Count);
        }
        _trie = builder.Build();

        // Hits: a registered prefix followed by 0–16 random tail bytes.
        _hits = new byte[BatchSize][];
        for (var i = 0; i < BatchSize; i++)
        {
            var prefix = prefixes[random.Next(prefixes.Count)];
            var input = new byte[prefix.Length + random.Next(0, 17)];
            prefix.CopyTo(input, 0);
            random.NextBytes(input.AsSpan(prefix.Length));
            if (!_trie.TryMatch(input, out var match) || match.Length < prefix.Length)
                throw new InvalidOperationException("a hit input did not match its prefix");
            _hits[i] = input;
        }

        // Misses: random 4–48 byte inputs of which no prefix is registered, checked against the
        // prefix set itself (not only the trie under test). Random bytes share the first two or
        // three bytes with some prefix, so a miss walks a few levels down before it fails.
        _misses = new byte[BatchSize][];
        for (var i = 0; i < BatchSize;)
        {
            var input = RandomBytes(random, random.Next(4, 49));
            if (HasRegisteredPrefix(distinct, input)) continue;
            if (_trie.TryMatch(input, out _))
                throw new InvalidOperationException("a miss input matched");
            _misses[i++] = input;
        }
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int Hit()
    {
        var trie = _trie;
        var total = 0;
        foreach (var input in _hits)
            if (trie.TryMatch(input, out var match)) total += match.Length;
        return total;
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int Miss()
    {
        var trie = _trie;
        var found = 0;
        foreach (var input in _misses)
            if (trie.TryMatch(input, out _)) found++;
        return found;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static bool HasRegisteredPrefix(HashSet<Sequence> prefixes, byte[] input)
    {
        for (var length = 4; length <= Math.Min(32, input.Length); length++)
            if (prefixes.Contains(new Sequence(input.AsMemory(0, length)))) return true;
        return false;
    }
}
