using System.Collections.Immutable;

namespace PromiseGrid.Core;

/// <summary>
/// An immutable longest-prefix index from byte prefixes to values (several values may share
/// a prefix). Built once from a <see cref="PrefixTrieBuilder{T}"/> and then read without locks
/// from any thread: the router swaps in a new snapshot when routes change.
/// </summary>
/// <remarks>
/// Layout: a path-compressed (radix) trie flattened into arrays. Node 0 is the root (empty
/// label). Each other node owns the edge label that leads to it, stored in one shared byte
/// pool; the children of a node sit next to each other, sorted by the first byte of their
/// label, so a lookup step is a binary search over at most 256 bytes plus one span compare.
/// A lookup allocates nothing and touches one node per branching point, not per byte.
/// </remarks>
public sealed class PrefixTrie<T>
{
    /// <summary>A trie with no prefixes.</summary>
    public static PrefixTrie<T> Empty { get; } = new PrefixTrieBuilder<T>().Build();

    private readonly Node[] _nodes;
    private readonly byte[] _firstBytes;
    private readonly byte[] _labels;
    private readonly ImmutableArray<T>[] _values;

    internal PrefixTrie(Node[] nodes, byte[] firstBytes, byte[] labels, ImmutableArray<T>[] values, int prefixCount, int valueCount)
    {
        _nodes = nodes;
        _firstBytes = firstBytes;
        _labels = labels;
        _values = values;
        PrefixCount = prefixCount;
        ValueCount = valueCount;
    }

    /// <summary>How many distinct prefixes carry at least one value.</summary>
    public int PrefixCount { get; }

    /// <summary>How many (prefix, value) pairs the trie holds.</summary>
    public int ValueCount { get; }

    /// <summary>How many nodes the compressed trie has (a size figure for benchmarks).</summary>
    public int NodeCount => _nodes.Length;

    /// <summary>
    /// Finds the longest prefix of <paramref name="input"/> that carries values.
    /// Allocation-free; safe to call from any number of threads at once.
    /// </summary>
    public bool TryMatch(ReadOnlySpan<byte> input, out PrefixMatch<T> match)
    {
        var nodes = _nodes;
        var best = _values[0].IsDefaultOrEmpty ? -1 : 0;
        var bestLength = 0;
        var node = 0;
        var position = 0;
        while (position < input.Length)
        {
            var child = FindChild(nodes[node], input[position]);
            if (child < 0) break;
            var edge = nodes[child];
            if (!input[position..].StartsWith(_labels.AsSpan(edge.LabelStart, edge.LabelLength))) break;
            position += edge.LabelLength;
            node = child;
            if (!_values[node].IsDefaultOrEmpty)
            {
                best = node;
                bestLength = position;
            }
        }
        if (best < 0)
        {
            match = default;
            return false;
        }
        match = new PrefixMatch<T>(bestLength, _values[best]);
        return true;
    }

    /// <summary>Every prefix of <paramref name="input"/> that carries values, longest first.</summary>
    public IReadOnlyList<PrefixMatch<T>> MatchAll(ReadOnlySpan<byte> input)
    {
        var found = new List<PrefixMatch<T>>();
        if (!_values[0].IsDefaultOrEmpty) found.Add(new PrefixMatch<T>(0, _values[0]));
        var node = 0;
        var position = 0;
        while (position < input.Length)
        {
            var child = FindChild(_nodes[node], input[position]);
            if (child < 0) break;
            var edge = _nodes[child];
            if (!input[position..].StartsWith(_labels.AsSpan(edge.LabelStart, edge.LabelLength))) break;
            position += edge.LabelLength;
            node = child;
            if (!_values[node].IsDefaultOrEmpty) found.Add(new PrefixMatch<T>(position, _values[node]));
        }
        found.Reverse();
        return found;
    }

    /// <summary>The values registered for exactly <paramref name="prefix"/> (empty when none).</summary>
    public ImmutableArray<T> ValuesOf(ReadOnlySpan<byte> prefix)
    {
        return TryMatch(prefix, out var match) && match.Length == prefix.Length ? match.Values : ImmutableArray<T>.Empty;
    }

    /// <summary>All prefixes with their values, in ascending byte order of the prefix.</summary>
    public IEnumerable<KeyValuePair<Sequence, ImmutableArray<T>>> Entries
    {
        get
        {
            // Depth-first walk; children are sorted by first byte, so prefixes come out sorted.
            var stack = new Stack<(int Node, byte[] Path)>();
            stack.Push((0, []));
            while (stack.Count > 0)
            {
                var (node, path) = stack.Pop();
                if (!_values[node].IsDefaultOrEmpty)
                    yield return new(new Sequence(path), _values[node]);
                var n = _nodes[node];
                for (var c = n.FirstChild + n.ChildCount - 1; c >= n.FirstChild; c--)
                {
                    var edge = _nodes[c];
                    var childPath = new byte[path.Length + edge.LabelLength];
                    path.CopyTo(childPath, 0);
                    _labels.AsSpan(edge.LabelStart, edge.LabelLength).CopyTo(childPath.AsSpan(path.Length));
                    stack.Push((c, childPath));
                }
            }
        }
    }

    /// <summary>A builder holding this trie's entries, to derive a changed snapshot.</summary>
    /// <param name="valueComparer">How the new builder tells values apart (default equality when null).</param>
    public PrefixTrieBuilder<T> ToBuilder(IEqualityComparer<T>? valueComparer = null)
    {
        var builder = new PrefixTrieBuilder<T>(valueComparer);
        foreach (var (prefix, values) in Entries)
            foreach (var value in values)
                builder.Add(prefix, value);
        return builder;
    }

    private int FindChild(in Node parent, byte next)
    {
        var lo = parent.FirstChild;
        var hi = lo + parent.ChildCount - 1;
        var firstBytes = _firstBytes;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var b = firstBytes[mid];
            if (b == next) return mid;
            if (b < next) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    internal struct Node
    {
        public int LabelStart;
        public int LabelLength;
        public int FirstChild;
        public int ChildCount;
    }
}

/// <summary>The longest matching prefix's length in bytes and the values registered for it.</summary>
public readonly record struct PrefixMatch<T>(int Length, ImmutableArray<T> Values);
