using System.Collections.Immutable;
using System.Runtime.InteropServices;

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

    /// <summary>Whether some value is held under exactly <paramref name="prefix"/>.</summary>
    internal bool Contains(Sequence prefix) => _entries.ContainsKey(prefix);

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
    /// Builds the radix layout from sorted distinct keys, in two steps. First the shape: a
    /// node stands for a range of keys sharing its path; its children split that range by the
    /// next byte, and each child's label runs to the longest common prefix of its range (first
    /// and last key suffice, because the keys are sorted). Then the records of
    /// <see cref="PrefixTrie{T}"/>'s blob: sized, placed in node order (so siblings sit next to
    /// each other and the root is at offset 0), and written.
    /// </summary>
    private static PrefixTrie<T> Layout(Sequence[] keys, ImmutableArray<T>[] valueSets, int valueCount)
    {
        // Step 1: the shape. Children of a node get consecutive indices, in byte order.
        var shape = new List<ShapeNode> { new() { Value = -1 } };
        // Work item: node index, key range [Lo, Hi), and the depth (path length) of the node.
        var work = new Stack<(int Node, int Lo, int Hi, int Depth)>();
        work.Push((0, 0, keys.Length, 0));
        var groups = new List<(int Lo, int Hi)>();
        while (work.Count > 0)
        {
            var (node, lo, hi, depth) = work.Pop();
            if (lo < hi && keys[lo].Length == depth)
            {
                CollectionsMarshal.AsSpan(shape)[node].Value = lo;
                lo++;
            }
            if (lo >= hi) continue;
            // Group the remaining keys by their byte at 'depth'.
            groups.Clear();
            var start = lo;
            for (var i = lo + 1; i <= hi; i++)
            {
                if (i == hi || keys[i][depth] != keys[start][depth])
                {
                    groups.Add((start, i));
                    start = i;
                }
            }
            ref var parent = ref CollectionsMarshal.AsSpan(shape)[node];
            parent.FirstChild = shape.Count;
            parent.ChildCount = groups.Count;
            foreach (var (groupLo, groupHi) in groups)
            {
                var childDepth = CommonPrefixLength(keys[groupLo].Span, keys[groupHi - 1].Span);
                shape.Add(new ShapeNode { Key = groupLo, LabelStart = depth, LabelLength = childDepth - depth, Value = -1 });
                work.Push((shape.Count - 1, groupLo, groupHi, childDepth));
            }
        }

        // Step 2: record offsets.
        var nodes = CollectionsMarshal.AsSpan(shape);
        var offsets = new int[nodes.Length];
        long size = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            offsets[i] = (int)size;
            size += RecordSize(nodes[i]);
            if (size + PrefixTrie<T>.TailPadding > Array.MaxLength)
                throw new InvalidOperationException($"the prefixes need more than {Array.MaxLength} bytes of trie; split them over several tries");
        }

        // Step 3: the records.
        var blob = new byte[size + PrefixTrie<T>.TailPadding];
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = nodes[i];
            var record = offsets[i];
            WriteInt(blob, record + PrefixTrie<T>.LabelLengthField, n.LabelLength);
            WriteInt(blob, record + PrefixTrie<T>.ChildCountField, n.ChildCount);
            var labelAt = record + PrefixTrie<T>.HeaderSize;
            if (n.LabelLength > 0)
                keys[n.Key].Span.Slice(n.LabelStart, n.LabelLength).CopyTo(blob.AsSpan(labelAt));
            if (n.ChildCount == 0) continue;
            var childrenAt = labelAt + PrefixTrie<T>.Align8(n.LabelLength);
            var dense = n.ChildCount > PrefixTrie<T>.SparseMax;
            for (var c = 0; c < n.ChildCount; c++)
            {
                var childIndex = n.FirstChild + c;
                var child = nodes[childIndex];
                var firstByte = keys[child.Key][child.LabelStart];
                int entry;
                if (dense)
                {
                    entry = childrenAt + firstByte * PrefixTrie<T>.EntrySize;
                }
                else
                {
                    blob[childrenAt + c] = firstByte;
                    entry = childrenAt + PrefixTrie<T>.Align8(n.ChildCount) + c * PrefixTrie<T>.EntrySize;
                }
                WriteInt(blob, entry, offsets[childIndex]);
                WriteInt(blob, entry + PrefixTrie<T>.EntryValueField, child.Value);
            }
        }
        return new PrefixTrie<T>(blob, valueSets, nodes[0].Value, nodes.Length, keys.Length, valueCount);
    }

    private static int RecordSize(in ShapeNode node)
    {
        var size = PrefixTrie<T>.HeaderSize + PrefixTrie<T>.Align8(node.LabelLength);
        if (node.ChildCount > PrefixTrie<T>.SparseMax) size += PrefixTrie<T>.DenseEntries * PrefixTrie<T>.EntrySize;
        else if (node.ChildCount > 0) size += PrefixTrie<T>.Align8(node.ChildCount) + node.ChildCount * PrefixTrie<T>.EntrySize;
        return size;
    }

    private static void WriteInt(byte[] blob, int offset, int value)
    {
        if (!BitConverter.TryWriteBytes(blob.AsSpan(offset), value))
            throw new InvalidOperationException("trie record out of range");
    }

    /// <summary>A node of the trie's shape: its label is keys[Key][LabelStart..+LabelLength].</summary>
    private struct ShapeNode
    {
        public int Key;
        public int LabelStart;
        public int LabelLength;
        public int FirstChild;
        public int ChildCount;
        /// <summary>Index of the node's value set (the index of its key), or -1.</summary>
        public int Value;
    }

    private static int CommonPrefixLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.CommonPrefixLength(b);
}
