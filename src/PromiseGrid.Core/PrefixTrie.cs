using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PromiseGrid.Core;

/// <summary>
/// An immutable longest-prefix index from byte prefixes to values (several values may share
/// a prefix). Built once from a <see cref="PrefixTrieBuilder{T}"/> and then read without locks
/// from any thread: the router swaps in a new snapshot when routes change.
/// </summary>
/// <remarks>
/// <para>
/// Layout: a path-compressed (radix) trie serialized into one byte array, the blob, next to
/// the array of value sets. Each node is a record at an 8-byte aligned offset; the root is the
/// record at offset 0, so offset 0 never names a child and can mean "none". A record holds:
/// </para>
/// <list type="bullet">
/// <item>an 8-byte header: the length of the edge label leading to the node and the number
/// of its children;</item>
/// <item>the label bytes, padded to 8;</item>
/// <item>the children, each as an 8-byte entry (the child's record offset, and the index of
/// the child's value set or -1): up to <see cref="SparseMax"/> children as the first bytes
/// of their labels (sorted, padded to 8) followed by their entries; more than that as a dense
/// table of 256 entries indexed by the next input byte.</item>
/// </list>
/// <para>
/// Why: a lookup among a million routes is bound by memory latency, not by instructions, so
/// the layout minimizes the cache lines a lookup touches and the loads that wait on each
/// other. Everything a step needs (the label to compare and where the children are) sits in
/// one record; wide nodes (the top levels) find the next child with one table load instead
/// of an unpredictable binary search, narrow ones with one vector compare; and because a
/// child's value-set index is in its parent's entry, the value set is loaded at the same time
/// as the child's record instead of after it. A lookup allocates nothing.
/// </para>
/// </remarks>
public sealed class PrefixTrie<T>
{
    /// <summary>A trie with no prefixes.</summary>
    public static PrefixTrie<T> Empty { get; } = new PrefixTrieBuilder<T>().Build();

    // Record layout (see the remarks); offsets in bytes.
    internal const int LabelLengthField = 0;
    internal const int ChildCountField = 4;
    internal const int HeaderSize = 8;
    internal const int EntrySize = 8;
    internal const int EntryValueField = 4;

    /// <summary>Most children kept as a byte list; a node with more gets a 256-entry table.</summary>
    internal const int SparseMax = 32;

    /// <summary>Entries in a dense child table: one per byte value.</summary>
    internal const int DenseEntries = 256;

    /// <summary>
    /// Zero bytes after the last record, so the vector compare of a sparse node's child bytes
    /// (which reads <see cref="SparseMax"/> bytes whatever the child count) never leaves the array.
    /// </summary>
    internal const int TailPadding = 32;

    private readonly byte[] _blob;
    private readonly ImmutableArray<T>[] _values;
    private readonly int _rootValue;

    // Pairs added on top of the laid-out ones (WithAdded), as a trie of their own whose value set
    // for a prefix also holds that prefix's values below, so a match there is whole. Null for a
    // plain trie; never itself layered.
    private readonly PrefixTrie<T>? _added;
    // The counts of this trie's own layout, without _added.
    private readonly (int Nodes, int Prefixes, int Values) _own;

    internal PrefixTrie(byte[] blob, ImmutableArray<T>[] values, int rootValue, int nodeCount, int prefixCount, int valueCount)
    {
        _blob = blob;
        _values = values;
        _rootValue = rootValue;
        NodeCount = nodeCount;
        PrefixCount = prefixCount;
        ValueCount = valueCount;
        _own = (nodeCount, prefixCount, valueCount);
    }

    /// <summary>This trie's own layout with <paramref name="added"/> on top (see <see cref="WithAdded"/>).</summary>
    private PrefixTrie(PrefixTrie<T> below, PrefixTrie<T> added)
    {
        _blob = below._blob;
        _values = below._values;
        _rootValue = below._rootValue;
        _added = added;
        _own = below._own;
        NodeCount = below.NodeCount + added.NodeCount;
        var prefixes = below.PrefixCount + added.PrefixCount;
        var values = below.ValueCount + added.ValueCount;
        foreach (var (prefix, _) in added.Entries)
        {
            var shared = below.ValuesOfOwn(prefix.Span);
            if (shared.IsEmpty) continue;
            prefixes--;
            values -= shared.Length;
        }
        PrefixCount = prefixes;
        ValueCount = values;
    }

    /// <summary>
    /// This trie with more (prefix, value) pairs, without laying all of them out again: the
    /// additions (and, for their prefixes, the values already here) form a small second trie
    /// that lookups consult too, so adding a few routes to a hundred thousand costs about as much
    /// as the few. A value equal to one already under the prefix (by <paramref name="valueComparer"/>)
    /// is not added twice. Lookups cost two walks instead of one until a fresh
    /// <see cref="PrefixTrieBuilder{T}.Build"/> (<see cref="AddedValueCount"/> says how much sits on top).
    /// </summary>
    public PrefixTrie<T> WithAdded(IEnumerable<KeyValuePair<Sequence, T>> additions, IEqualityComparer<T>? valueComparer = null)
    {
        var builder = _added?.ToBuilder(valueComparer) ?? new PrefixTrieBuilder<T>(valueComparer);
        foreach (var (prefix, value) in additions)
        {
            if (!builder.Contains(prefix))
                foreach (var existing in ValuesOfOwn(prefix.Span)) builder.Add(prefix, existing);
            builder.Add(prefix, value);
        }
        var added = builder.Build();
        if (added.ValueCount == 0) return this;
        return new PrefixTrie<T>(_added is null ? this : Unlayered(), added);
    }

    /// <summary>How many (prefix, value) pairs sit on top of the laid-out ones (<see cref="WithAdded"/>).</summary>
    public int AddedValueCount => _added?.ValueCount ?? 0;

    /// <summary>This trie's own layout, without what was added on top.</summary>
    private PrefixTrie<T> Unlayered() => new(_blob, _values, _rootValue, _own.Nodes, _own.Prefixes, _own.Values);

    /// <summary>How many distinct prefixes carry at least one value.</summary>
    public int PrefixCount { get; }

    /// <summary>How many (prefix, value) pairs the trie holds.</summary>
    public int ValueCount { get; }

    /// <summary>How many nodes the compressed trie has (a size figure for benchmarks).</summary>
    public int NodeCount { get; }

    /// <summary>
    /// Finds the longest prefix of <paramref name="input"/> that carries values.
    /// Allocation-free; safe to call from any number of threads at once.
    /// </summary>
    public bool TryMatch(ReadOnlySpan<byte> input, out PrefixMatch<T> match)
    {
        if (_added is null) return TryMatchOwn(input, out match);
        // The longer match wins; on the same prefix the added trie's set holds both.
        var below = TryMatchOwn(input, out var own);
        if (_added.TryMatchOwn(input, out match) && (!below || match.Length >= own.Length)) return true;
        match = own;
        return below;
    }

    private bool TryMatchOwn(ReadOnlySpan<byte> input, out PrefixMatch<T> match)
    {
        // The router's hot path. The blob is read without bounds checks: every offset in it
        // was written by PrefixTrieBuilder.Layout and points inside the array, and the array is
        // never exposed or changed after construction. The input and the value sets are read
        // with ordinary checked accesses.
        ref var blob = ref MemoryMarshal.GetArrayDataReference(_blob);
        var values = _values;
        var bestLength = -1;
        ImmutableArray<T> bestValues = default;
        if (_rootValue >= 0)
        {
            bestLength = 0;
            bestValues = values[_rootValue];
        }
        var childrenAt = HeaderSize; // the root's label is empty
        var childCount = ReadInt(ref blob, ChildCountField);
        var position = 0;
        while (position < input.Length && childCount != 0)
        {
            var entry = FindEntry(ref blob, childrenAt, childCount, input[position]);
            if (entry < 0) break;
            var child = ReadInt(ref blob, entry);
            var value = ReadInt(ref blob, entry + EntryValueField);
            // Load the child's value set now, so that its cache miss overlaps the one on the
            // child's record; it is kept only if the label matches.
            var candidate = value >= 0 ? values[value] : default;
            var labelLength = ReadInt(ref blob, child + LabelLengthField);
            // FindEntry matched the label's first byte; compare the rest.
            if (labelLength > 1 && !LabelTailMatches(ref blob, child, labelLength, input[position..])) break;
            position += labelLength;
            if (value >= 0)
            {
                bestValues = candidate;
                bestLength = position;
            }
            childrenAt = child + HeaderSize + Align8(labelLength);
            childCount = ReadInt(ref blob, child + ChildCountField);
        }
        if (bestLength < 0)
        {
            match = default;
            return false;
        }
        match = new PrefixMatch<T>(bestLength, bestValues);
        return true;
    }

    /// <summary>Every prefix of <paramref name="input"/> that carries values, longest first.</summary>
    public IReadOnlyList<PrefixMatch<T>> MatchAll(ReadOnlySpan<byte> input)
    {
        if (_added is null) return MatchAllOwn(input);
        var own = MatchAllOwn(input);
        var added = _added.MatchAllOwn(input);
        var merged = new List<PrefixMatch<T>>(own.Count + added.Count);
        int o = 0, a = 0;
        while (o < own.Count || a < added.Count)
        {
            if (a < added.Count && (o == own.Count || added[a].Length >= own[o].Length))
            {
                if (o < own.Count && own[o].Length == added[a].Length) o++;
                merged.Add(added[a++]);
            }
            else merged.Add(own[o++]);
        }
        return merged;
    }

    private List<PrefixMatch<T>> MatchAllOwn(ReadOnlySpan<byte> input)
    {
        var found = new List<PrefixMatch<T>>();
        ref var blob = ref MemoryMarshal.GetArrayDataReference(_blob);
        if (_rootValue >= 0) found.Add(new PrefixMatch<T>(0, _values[_rootValue]));
        var childrenAt = HeaderSize;
        var childCount = ReadInt(ref blob, ChildCountField);
        var position = 0;
        while (position < input.Length && childCount != 0)
        {
            var entry = FindEntry(ref blob, childrenAt, childCount, input[position]);
            if (entry < 0) break;
            var child = ReadInt(ref blob, entry);
            var value = ReadInt(ref blob, entry + EntryValueField);
            var labelLength = ReadInt(ref blob, child + LabelLengthField);
            if (labelLength > 1 && !LabelTailMatches(ref blob, child, labelLength, input[position..])) break;
            position += labelLength;
            if (value >= 0) found.Add(new PrefixMatch<T>(position, _values[value]));
            childrenAt = child + HeaderSize + Align8(labelLength);
            childCount = ReadInt(ref blob, child + ChildCountField);
        }
        found.Reverse();
        return found;
    }

    /// <summary>The values registered for exactly <paramref name="prefix"/> (empty when none).</summary>
    public ImmutableArray<T> ValuesOf(ReadOnlySpan<byte> prefix)
    {
        return TryMatch(prefix, out var match) && match.Length == prefix.Length ? match.Values : ImmutableArray<T>.Empty;
    }

    private ImmutableArray<T> ValuesOfOwn(ReadOnlySpan<byte> prefix) =>
        TryMatchOwn(prefix, out var match) && match.Length == prefix.Length ? match.Values : ImmutableArray<T>.Empty;

    /// <summary>All prefixes with their values, in ascending byte order of the prefix.</summary>
    public IEnumerable<KeyValuePair<Sequence, ImmutableArray<T>>> Entries => _added is null ? OwnEntries() : MergedEntries();

    private IEnumerable<KeyValuePair<Sequence, ImmutableArray<T>>> MergedEntries()
    {
        using var own = OwnEntries().GetEnumerator();
        using var added = _added!.OwnEntries().GetEnumerator();
        var hasOwn = own.MoveNext();
        var hasAdded = added.MoveNext();
        while (hasOwn || hasAdded)
        {
            var order = !hasOwn ? 1 : !hasAdded ? -1 : own.Current.Key.CompareTo(added.Current.Key);
            if (order < 0)
            {
                yield return own.Current;
                hasOwn = own.MoveNext();
                continue;
            }
            yield return added.Current;
            if (order == 0) hasOwn = own.MoveNext();
            hasAdded = added.MoveNext();
        }
    }

    private IEnumerable<KeyValuePair<Sequence, ImmutableArray<T>>> OwnEntries()
    {
        {
            // Depth-first walk; children are kept in byte order, so prefixes come out sorted.
            var blob = _blob;
            var stack = new Stack<(int Record, int Value, byte[] Path)>();
            stack.Push((0, _rootValue, []));
            var children = new List<(int Record, int Value)>();
            while (stack.Count > 0)
            {
                var (record, value, path) = stack.Pop();
                if (value >= 0)
                    yield return new(new Sequence(path), _values[value]);
                children.Clear();
                ChildrenOf(blob, record, children);
                for (var c = children.Count - 1; c >= 0; c--)
                {
                    var (child, childValue) = children[c];
                    var label = blob.AsSpan(child + HeaderSize, ReadInt(blob, child + LabelLengthField));
                    var childPath = new byte[path.Length + label.Length];
                    path.CopyTo(childPath, 0);
                    label.CopyTo(childPath.AsSpan(path.Length));
                    stack.Push((child, childValue, childPath));
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

    /// <summary>
    /// The blob offset of the entry of the child whose label starts with <paramref name="next"/>,
    /// or -1 when there is none. <paramref name="childCount"/> is at least 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FindEntry(ref byte blob, int childrenAt, int childCount, byte next)
    {
        if (childCount > SparseMax)
        {
            var dense = childrenAt + next * EntrySize;
            return ReadInt(ref blob, dense) != 0 ? dense : -1;
        }
        int index;
        if (Vector256.IsHardwareAccelerated)
        {
            // All child bytes in one compare. The load reads SparseMax bytes from the child
            // byte list, running on into the entries after it (8 bytes per child) or the tail
            // padding, so it stays inside the array; the bits past childCount are masked off.
            // The child bytes are distinct, so at most one bit remains.
            var keys = Vector256.LoadUnsafe(ref blob, (nuint)childrenAt);
            var hits = Vector256.Equals(keys, Vector256.Create(next)).ExtractMostSignificantBits()
                       & (uint)((1UL << childCount) - 1);
            if (hits == 0) return -1;
            index = BitOperations.TrailingZeroCount(hits);
        }
        else
        {
            index = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref blob, childrenAt), childCount).IndexOf(next);
            if (index < 0) return -1;
        }
        return childrenAt + Align8(childCount) + index * EntrySize;
    }

    /// <summary>Whether <paramref name="rest"/> (starting at the label's first byte, already matched) holds the rest of the label.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool LabelTailMatches(ref byte blob, int record, int labelLength, ReadOnlySpan<byte> rest)
    {
        if (labelLength > rest.Length) return false;
        var label = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref blob, record + HeaderSize + 1), labelLength - 1);
        return rest.Slice(1, labelLength - 1).SequenceEqual(label);
    }

    /// <summary>The children of a record (record offset and value-set index), in byte order of their labels.</summary>
    private static void ChildrenOf(byte[] blob, int record, List<(int Record, int Value)> children)
    {
        var childCount = ReadInt(blob, record + ChildCountField);
        if (childCount == 0) return;
        var childrenAt = record + HeaderSize + Align8(ReadInt(blob, record + LabelLengthField));
        var entries = childCount > SparseMax ? DenseEntries : childCount;
        var entriesAt = childCount > SparseMax ? childrenAt : childrenAt + Align8(childCount);
        for (var i = 0; i < entries; i++)
        {
            var entry = entriesAt + i * EntrySize;
            var child = ReadInt(blob, entry);
            if (child != 0) children.Add((child, ReadInt(blob, entry + EntryValueField)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Align8(int length) => (length + 7) & ~7;

    /// <summary>Unchecked read; see <see cref="TryMatch"/> for why that is safe.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadInt(ref byte blob, int offset) => Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref blob, offset));

    /// <summary>Checked read, for the paths that are not hot.</summary>
    private static int ReadInt(byte[] blob, int offset) => BitConverter.ToInt32(blob, offset);
}

/// <summary>The longest matching prefix's length in bytes and the values registered for it.</summary>
public readonly record struct PrefixMatch<T>(int Length, ImmutableArray<T> Values);
