using System.Runtime.InteropServices;

namespace PromiseGrid.Core.Tests;

/// <summary>
/// The obviously-correct reference for <see cref="PrefixTrie{T}"/>: a flat list of
/// (prefix, value) pairs, every query a linear scan. Slow on purpose; the trie under test
/// must answer every query the same way. Uses no <see cref="Sequence"/> logic (plain byte
/// arrays and their comparisons) so a bug there cannot hide a bug in the trie.
/// </summary>
internal sealed class NaivePrefixIndex<T>
{
    private readonly List<(byte[] Prefix, T Value)> _pairs = [];
    private readonly IEqualityComparer<T> _valueComparer;

    public NaivePrefixIndex(IEqualityComparer<T>? valueComparer = null)
    {
        _valueComparer = valueComparer ?? EqualityComparer<T>.Default;
    }

    /// <summary>Distinct prefixes that carry at least one value.</summary>
    public int PrefixCount => _pairs.Select(p => Convert.ToHexString(p.Prefix)).Distinct().Count();

    /// <summary>(prefix, value) pairs held.</summary>
    public int ValueCount => _pairs.Count;

    public bool Add(byte[] prefix, T value)
    {
        if (IndexOf(prefix, value) >= 0) return false;
        _pairs.Add(((byte[])prefix.Clone(), value));
        return true;
    }

    public bool Remove(byte[] prefix, T value)
    {
        var index = IndexOf(prefix, value);
        if (index < 0) return false;
        _pairs.RemoveAt(index);
        return true;
    }

    public int RemoveWhere(Func<byte[], T, bool> predicate) => _pairs.RemoveAll(p => predicate(p.Prefix, p.Value));

    /// <summary>The longest registered prefix of <paramref name="input"/> and its values, or null.</summary>
    public (int Length, List<T> Values)? Longest(byte[] input)
    {
        // One pass: keep the values of the longest matching prefix seen so far.
        var bestLength = -1;
        var bestValues = new List<T>();
        foreach (ref readonly var pair in CollectionsMarshal.AsSpan(_pairs))
        {
            var (prefix, value) = pair;
            if (prefix.Length < bestLength || !input.AsSpan().StartsWith(prefix)) continue;
            if (prefix.Length > bestLength)
            {
                bestLength = prefix.Length;
                bestValues.Clear();
            }
            bestValues.Add(value);
        }
        return bestLength < 0 ? null : (bestLength, bestValues);
    }

    /// <summary>Every registered prefix of <paramref name="input"/> with its values, longest first.</summary>
    public List<(int Length, List<T> Values)> AllMatches(byte[] input)
    {
        var found = new List<(int Length, List<T> Values)>();
        for (var length = input.Length; length >= 0; length--)
        {
            var values = ValuesOf(input.AsSpan(0, length).ToArray());
            if (values.Count > 0) found.Add((length, values));
        }
        return found;
    }

    /// <summary>The values registered for exactly <paramref name="prefix"/>.</summary>
    public List<T> ValuesOf(byte[] prefix)
    {
        var values = new List<T>();
        foreach (var (p, v) in _pairs)
            if (BytesEqual(p, prefix)) values.Add(v);
        return values;
    }

    /// <summary>Every distinct prefix with its values, prefixes in ascending unsigned byte order.</summary>
    public List<(byte[] Prefix, List<T> Values)> Entries()
    {
        var entries = new List<(byte[] Prefix, List<T> Values)>();
        foreach (var (prefix, _) in _pairs)
            if (!entries.Exists(e => BytesEqual(e.Prefix, prefix)))
                entries.Add((prefix, ValuesOf(prefix)));
        entries.Sort((a, b) => CompareBytes(a.Prefix, b.Prefix));
        return entries;
    }

    /// <summary>Lexicographic order of unsigned bytes, a proper prefix before its extensions.</summary>
    public static int CompareBytes(byte[] a, byte[] b)
    {
        for (var i = 0; i < a.Length && i < b.Length; i++)
            if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
        return a.Length.CompareTo(b.Length);
    }

    public static bool BytesEqual(byte[] a, byte[] b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return false;
        return true;
    }

    public static bool IsPrefixOf(byte[] prefix, byte[] input)
    {
        if (prefix.Length > input.Length) return false;
        for (var i = 0; i < prefix.Length; i++)
            if (prefix[i] != input[i]) return false;
        return true;
    }

    private int IndexOf(byte[] prefix, T value)
    {
        var pairs = CollectionsMarshal.AsSpan(_pairs);
        for (var i = 0; i < pairs.Length; i++)
            if (pairs[i].Prefix.AsSpan().SequenceEqual(prefix) && _valueComparer.Equals(pairs[i].Value, value))
                return i;
        return -1;
    }
}
