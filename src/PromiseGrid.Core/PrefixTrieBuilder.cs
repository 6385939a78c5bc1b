using System.Collections.Immutable;

namespace PromiseGrid.Core;

/// <summary>
/// The mutable side of <see cref="PrefixTrie{T}"/>: collects (prefix, value) pairs, then
/// <see cref="Build"/> lays them out as an immutable snapshot. Not thread-safe; one owner
/// (the router actor) changes it and publishes snapshots.
/// </summary>
public sealed class PrefixTrieBuilder<T>
{
    private readonly Dictionary<Sequence, List<T>> _entries = new();
    private readonly IEqualityComparer<T> _valueComparer;

    public PrefixTrieBuilder(IEqualityComparer<T>? valueComparer = null)
    {
        _valueComparer = valueComparer ?? EqualityComparer<T>.Default;
    }

    /// <summary>Distinct prefixes held.</summary>
    public int PrefixCount => _entries.Count;

    /// <summary>Adds <paramref name="value"/> under <paramref name="prefix"/>; false when that exact pair is already there.</summary>
    public bool Add(Sequence prefix, T value)
    {
        if (!_entries.TryGetValue(prefix, out var values))
        {
            // Own the key: the caller's memory may change after this call.
            _entries[Sequence.CopyOf(prefix.Span)] = [value];
            return true;
        }
        foreach (var existing in values)
            if (_valueComparer.Equals(existing, value)) return false;
        values.Add(value);
        return true;
    }

    /// <summary>Removes one (prefix, value) pair; false when it was not there.</summary>
    public bool Remove(Sequence prefix, T value)
    {
        if (!_entries.TryGetValue(prefix, out var values)) return false;
        var index = values.FindIndex(v => _valueComparer.Equals(v, value));
        if (index < 0) return false;
        values.RemoveAt(index);
        if (values.Count == 0) _entries.Remove(prefix);
        return true;
    }

    /// <summary>Removes every pair the predicate selects; returns how many went.</summary>
    public int RemoveWhere(Func<Sequence, T, bool> predicate)
    {
        var removed = 0;
        List<Sequence>? emptied = null;
        foreach (var (prefix, values) in _entries)
        {
            removed += values.RemoveAll(v => predicate(prefix, v));
            if (values.Count == 0) (emptied ??= []).Add(prefix);
        }
        if (emptied is not null)
            foreach (var prefix in emptied) _entries.Remove(prefix);
        return removed;
    }

    public void Clear() => _entries.Clear();

    /// <summary>Lays the current pairs out as an immutable, lock-free readable trie.</summary>
    public PrefixTrie<T> Build()
    {
        var keys = _entries.Keys.ToArray();
        Array.Sort(keys);
        var valueSets = new ImmutableArray<T>[keys.Length];
        var valueCount = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            valueSets[i] = [.. _entries[keys[i]]];
            valueCount += valueSets[i].Length;
        }
        return Layout(keys, valueSets, valueCount);
    }

    /// <summary>
    /// Builds the radix layout from sorted distinct keys. A node stands for a range of keys
    /// sharing its path; its children split that range by the next byte, and each child's
    /// label runs to the longest common prefix of its range (first and last key suffice,
    /// because the keys are sorted). Children are allocated as one contiguous block.
    /// </summary>
    private static PrefixTrie<T> Layout(Sequence[] keys, ImmutableArray<T>[] valueSets, int valueCount)
    {
        var nodes = new List<PrefixTrie<T>.Node> { default };
        var firstBytes = new List<byte> { 0 };
        var values = new List<ImmutableArray<T>> { default };
        var labels = new List<byte>();
        // Work item: node index, key range [Lo, Hi), and the depth (path length) of the node.
        var work = new Stack<(int Node, int Lo, int Hi, int Depth)>();
        work.Push((0, 0, keys.Length, 0));
        while (work.Count > 0)
        {
            var (node, lo, hi, depth) = work.Pop();
            if (lo < hi && keys[lo].Length == depth)
            {
                values[node] = valueSets[lo];
                lo++;
            }
            if (lo >= hi) continue;
            // Group the remaining keys by their byte at 'depth'.
            var groups = new List<(int Lo, int Hi)>();
            var start = lo;
            for (var i = lo + 1; i <= hi; i++)
            {
                if (i == hi || keys[i][depth] != keys[start][depth])
                {
                    groups.Add((start, i));
                    start = i;
                }
            }
            var firstChild = nodes.Count;
            var parent = nodes[node];
            parent.FirstChild = firstChild;
            parent.ChildCount = groups.Count;
            nodes[node] = parent;
            foreach (var (groupLo, groupHi) in groups)
            {
                var childDepth = CommonPrefixLength(keys[groupLo].Span, keys[groupHi - 1].Span);
                var label = keys[groupLo].Span[depth..childDepth];
                nodes.Add(new PrefixTrie<T>.Node { LabelStart = labels.Count, LabelLength = label.Length });
                firstBytes.Add(label[0]);
                values.Add(default);
                foreach (var b in label) labels.Add(b);
                work.Push((nodes.Count - 1, groupLo, groupHi, childDepth));
            }
        }
        return new PrefixTrie<T>([.. nodes], [.. firstBytes], [.. labels], [.. values], keys.Length, valueCount);
    }

    private static int CommonPrefixLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.CommonPrefixLength(b);
}
