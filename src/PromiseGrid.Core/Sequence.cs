using System.Runtime.InteropServices;

namespace PromiseGrid.Core;

/// <summary>
/// An immutable run of bytes: the one kind of value the grid completes. Compared by value;
/// slicing shares the underlying memory instead of copying it, so a router or a module can
/// look at "the rest after the prefix" for free.
/// </summary>
/// <remarks>
/// Immutability is a contract, not a copy: <see cref="Sequence(ReadOnlyMemory{byte})"/>
/// takes the caller's memory as it is, and the caller promises not to change it afterwards.
/// <see cref="CopyOf"/> makes a private copy when that promise cannot be kept.
/// </remarks>
public readonly struct Sequence : IEquatable<Sequence>, IComparable<Sequence>
{
    private readonly ReadOnlyMemory<byte> _bytes;

    public static Sequence Empty => default;

    /// <summary>Wraps <paramref name="bytes"/> without copying; the caller must not mutate them later.</summary>
    public Sequence(ReadOnlyMemory<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> without copying; the caller must not mutate the array later.</summary>
    public Sequence(byte[] bytes) => _bytes = bytes;

    /// <summary>A sequence holding its own copy of <paramref name="bytes"/>.</summary>
    public static Sequence CopyOf(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    /// <summary>Parses the text notation (<c>echo/\x00</c>); see <see cref="SequenceText"/>.</summary>
    public static Sequence FromText(string notation) => SequenceText.Parse(notation);

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, taken literally (no notation escapes).</summary>
    public static Sequence FromUtf8(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    public int Length => _bytes.Length;
    public bool IsEmpty => _bytes.IsEmpty;
    public ReadOnlySpan<byte> Span => _bytes.Span;
    public ReadOnlyMemory<byte> Memory => _bytes;
    public byte this[int index] => _bytes.Span[index];

    public Sequence Slice(int start) => new(_bytes[start..]);
    public Sequence Slice(int start, int length) => new(_bytes.Slice(start, length));

    public bool StartsWith(Sequence prefix) => _bytes.Span.StartsWith(prefix._bytes.Span);
    public bool StartsWith(ReadOnlySpan<byte> prefix) => _bytes.Span.StartsWith(prefix);

    /// <summary><c>this + other</c> as a new sequence (one copy of both).</summary>
    public Sequence Concat(Sequence other)
    {
        if (other.IsEmpty) return this;
        if (IsEmpty) return other;
        var joined = new byte[Length + other.Length];
        Span.CopyTo(joined);
        other.Span.CopyTo(joined.AsSpan(Length));
        return new Sequence(joined);
    }

    /// <summary>
    /// The bytes as an array. When this sequence already spans a whole array that array is
    /// returned as it is (no copy), so treat the result as read-only.
    /// </summary>
    public byte[] ToArrayUnsafe()
    {
        if (MemoryMarshal.TryGetArray(_bytes, out var segment)
            && segment.Offset == 0 && segment.Array is not null && segment.Count == segment.Array.Length)
            return segment.Array;
        return _bytes.ToArray();
    }

    public bool Equals(Sequence other) => _bytes.Span.SequenceEqual(other._bytes.Span);
    public override bool Equals(object? obj) => obj is Sequence other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes.Span);
        return hash.ToHashCode();
    }

    /// <summary>Orders by unsigned byte values, shorter first on a common prefix.</summary>
    public int CompareTo(Sequence other) => _bytes.Span.SequenceCompareTo(other._bytes.Span);

    public static bool operator ==(Sequence left, Sequence right) => left.Equals(right);
    public static bool operator !=(Sequence left, Sequence right) => !left.Equals(right);

    /// <summary>The text notation of the whole sequence.</summary>
    public override string ToString() => SequenceText.Format(_bytes.Span);

    /// <summary>The text notation cut to about <paramref name="maxChars"/> characters, for logs and errors.</summary>
    public string ToString(int maxChars) => SequenceText.Format(_bytes.Span, maxChars);

    public static implicit operator Sequence(byte[] bytes) => new(bytes);
}
