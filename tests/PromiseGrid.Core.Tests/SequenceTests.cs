using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace PromiseGrid.Core.Tests;

public class SequenceTests
{
    private static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    /// <summary>Short byte arrays over a few values, so equal and prefix-related pairs come up often.</summary>
    private static Arbitrary<byte[]> SmallBytes() =>
        Gen.Sized(size => Gen.Choose(0, Math.Min(size, 6)))
            .SelectMany(n => Gen.ArrayOf(Gen.Elements<byte>(0, 1, 0x7f, 0x80, 0xff), n))
            .ToArbitrary();

    // ---- equality and hashing ----

    [Fact]
    public void Equal_bytes_in_different_arrays_are_equal_with_equal_hashes()
    {
        var a = new Sequence(Bytes(1, 2, 3));
        var b = new Sequence(Bytes(1, 2, 3));

        Assert.True(a.Equals(b));
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void A_slice_equals_a_whole_array_with_the_same_bytes()
    {
        var whole = new Sequence(Bytes(1, 2, 3));
        var slice = new Sequence(Bytes(9, 1, 2, 3, 9)).Slice(1, 3);
        var memorySlice = new Sequence(new ReadOnlyMemory<byte>(Bytes(7, 7, 1, 2, 3), 2, 3));

        Assert.Equal(whole, slice);
        Assert.Equal(whole, memorySlice);
        Assert.Equal(whole.GetHashCode(), slice.GetHashCode());
        Assert.Equal(whole.GetHashCode(), memorySlice.GetHashCode());
    }

    [Fact]
    public void Different_bytes_or_lengths_are_not_equal()
    {
        var a = new Sequence(Bytes(1, 2, 3));

        Assert.NotEqual(a, new Sequence(Bytes(1, 2, 4)));
        Assert.NotEqual(a, new Sequence(Bytes(1, 2)));
        Assert.NotEqual(a, new Sequence(Bytes(1, 2, 3, 0)));
        Assert.True(a != new Sequence(Bytes(1, 2)));
        Assert.False(a.Equals((object)Bytes(1, 2, 3)));
        Assert.False(a.Equals((object?)null));
    }

    [Fact]
    public void Works_as_a_dictionary_key_across_arrays_and_slices()
    {
        var map = new Dictionary<Sequence, string> { [Sequence.FromUtf8("echo/")] = "echo" };

        var lookup = Sequence.FromUtf8("xxecho/yy").Slice(2, 5);

        Assert.True(map.TryGetValue(lookup, out var name));
        Assert.Equal("echo", name);
        Assert.False(map.ContainsKey(Sequence.FromUtf8("echo")));
    }

    [Property]
    public Property Equality_and_hash_agree_with_the_bytes()
    {
        return Prop.ForAll(SmallBytes(), SmallBytes(), (a, b) =>
        {
            var sa = new Sequence((byte[])a.Clone());
            var sb = new Sequence((byte[])b.Clone());
            var equalBytes = a.AsSpan().SequenceEqual(b);

            Assert.Equal(equalBytes, sa.Equals(sb));
            Assert.Equal(equalBytes, sb.Equals(sa));
            Assert.Equal(equalBytes, sa == sb);
            if (equalBytes) Assert.Equal(sa.GetHashCode(), sb.GetHashCode());

            // The same bytes embedded in a larger array, seen through a slice.
            var padded = new byte[a.Length + 2];
            a.CopyTo(padded, 1);
            var slice = new Sequence(padded).Slice(1, a.Length);
            Assert.Equal(sa, slice);
            Assert.Equal(sa.GetHashCode(), slice.GetHashCode());
        });
    }

    // ---- Empty ----

    [Fact]
    public void Empty_is_zero_bytes_and_equals_every_other_empty_sequence()
    {
        var empty = Sequence.Empty;

        Assert.Equal(0, empty.Length);
        Assert.True(empty.IsEmpty);
        Assert.True(empty.Span.IsEmpty);
        Assert.Equal(string.Empty, empty.ToString());
        Assert.Equal(default, empty);
        Assert.Equal(new Sequence(Array.Empty<byte>()), empty);
        Assert.Equal(new Sequence(Bytes(1, 2)).Slice(2), empty);
        Assert.Equal(new Sequence(Array.Empty<byte>()).GetHashCode(), empty.GetHashCode());
        Assert.Equal(new Sequence(Bytes(1, 2)).Slice(1, 0).GetHashCode(), empty.GetHashCode());
        Assert.NotEqual(new Sequence(Bytes(0)), empty);
        Assert.Empty(empty.ToArrayUnsafe());
    }

    // ---- Slice ----

    [Fact]
    public void Slice_shares_the_underlying_array_without_copying()
    {
        var array = Bytes(10, 11, 12, 13, 14, 15);
        var sequence = new Sequence(array);

        var tail = sequence.Slice(2);
        var middle = sequence.Slice(1, 3);

        Assert.True(MemoryMarshal.TryGetArray(tail.Memory, out var tailSegment));
        Assert.Same(array, tailSegment.Array);
        Assert.Equal(2, tailSegment.Offset);
        Assert.Equal(4, tailSegment.Count);

        Assert.True(MemoryMarshal.TryGetArray(middle.Memory, out var middleSegment));
        Assert.Same(array, middleSegment.Array);
        Assert.Equal(1, middleSegment.Offset);
        Assert.Equal(3, middleSegment.Count);

        Assert.Equal(Bytes(12, 13, 14, 15), tail.Span.ToArray());
        Assert.Equal(Bytes(11, 12, 13), middle.Span.ToArray());
        Assert.Equal(12, tail[0]);
        Assert.Equal(13, middle[2]);
    }

    [Fact]
    public void Constructor_and_slices_see_the_callers_array_as_it_is()
    {
        // The immutability contract is the caller's promise, not a copy: prove nothing was copied.
        var array = Bytes(1, 2, 3);
        var sequence = new Sequence(array);
        var slice = sequence.Slice(1);

        array[2] = 99;

        Assert.Equal(99, sequence[2]);
        Assert.Equal(99, slice[1]);
    }

    [Fact]
    public void Slice_out_of_range_throws()
    {
        var sequence = new Sequence(Bytes(1, 2, 3));

        Assert.Throws<ArgumentOutOfRangeException>(() => sequence.Slice(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => sequence.Slice(2, 2));
        Assert.Throws<IndexOutOfRangeException>(() => sequence[3]);
    }

    // ---- CopyOf ----

    [Fact]
    public void CopyOf_is_isolated_from_later_changes_to_the_source()
    {
        var array = Bytes(1, 2, 3);

        var copy = Sequence.CopyOf(array);
        array[0] = 42;

        Assert.Equal(Bytes(1, 2, 3), copy.Span.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(copy.Memory, out var segment));
        Assert.NotSame(array, segment.Array);
    }

    // ---- StartsWith ----

    [Fact]
    public void StartsWith_checks_leading_bytes()
    {
        var sequence = Sequence.FromUtf8("echo/hello");

        Assert.True(sequence.StartsWith(Sequence.FromUtf8("echo/")));
        Assert.True(sequence.StartsWith(Sequence.Empty));
        Assert.True(sequence.StartsWith(sequence));
        Assert.True(sequence.StartsWith("echo"u8));
        Assert.True(sequence.StartsWith(ReadOnlySpan<byte>.Empty));
        Assert.False(sequence.StartsWith(Sequence.FromUtf8("echo/hello!")));
        Assert.False(sequence.StartsWith(Sequence.FromUtf8("echo/x")));
        Assert.False(sequence.StartsWith("cho"u8));
        Assert.False(Sequence.Empty.StartsWith("e"u8));
        Assert.True(Sequence.Empty.StartsWith(Sequence.Empty));
    }

    [Property]
    public Property StartsWith_agrees_with_a_byte_by_byte_check()
    {
        return Prop.ForAll(SmallBytes(), SmallBytes(), (a, b) =>
        {
            var expected = NaivePrefixIndex<int>.IsPrefixOf(b, a);
            Assert.Equal(expected, new Sequence(a).StartsWith(new Sequence(b)));
            Assert.Equal(expected, new Sequence(a).StartsWith(b.AsSpan()));
            // Every sequence starts with each of its own slices from 0.
            for (var n = 0; n <= a.Length; n++)
                Assert.True(new Sequence(a).StartsWith(new Sequence(a).Slice(0, n)));
        });
    }

    // ---- Concat ----

    [Fact]
    public void Concat_joins_the_bytes()
    {
        var joined = Sequence.FromUtf8("echo/").Concat(new Sequence(Bytes(0, 0xff)));

        Assert.Equal(7, joined.Length);
        Assert.Equal(Sequence.FromText(@"echo/\x00\xff"), joined);
    }

    [Fact]
    public void Concat_with_empty_gives_the_other_side()
    {
        var s = Sequence.FromUtf8("abc");

        Assert.Equal(s, s.Concat(Sequence.Empty));
        Assert.Equal(s, Sequence.Empty.Concat(s));
        Assert.Equal(Sequence.Empty, Sequence.Empty.Concat(Sequence.Empty));
    }

    [Fact]
    public void Concat_copies_so_later_changes_to_the_parts_do_not_show()
    {
        var left = Bytes(1, 2);
        var right = Bytes(3, 4);

        var joined = new Sequence(left).Concat(new Sequence(right));
        left[0] = 100;
        right[1] = 100;

        Assert.Equal(Bytes(1, 2, 3, 4), joined.Span.ToArray());
    }

    [Property]
    public Property Concat_is_the_two_byte_runs_one_after_the_other()
    {
        return Prop.ForAll(SmallBytes(), SmallBytes(), (a, b) =>
        {
            var joined = new Sequence(a).Concat(new Sequence(b));
            Assert.Equal(a.Concat(b).ToArray(), joined.Span.ToArray());
            Assert.True(joined.StartsWith(new Sequence(a)));
            Assert.Equal(new Sequence(b), joined.Slice(a.Length));
        });
    }

    // ---- CompareTo ----

    [Fact]
    public void CompareTo_orders_bytes_as_unsigned()
    {
        Assert.True(new Sequence(Bytes(0xff)).CompareTo(new Sequence(Bytes(0x01))) > 0);
        Assert.True(new Sequence(Bytes(0x80)).CompareTo(new Sequence(Bytes(0x7f))) > 0);
        Assert.True(new Sequence(Bytes(0x00)).CompareTo(new Sequence(Bytes(0xff))) < 0);
        Assert.True(new Sequence(Bytes(1, 0xff)).CompareTo(new Sequence(Bytes(2, 0x00))) < 0);
    }

    [Fact]
    public void CompareTo_puts_a_shorter_sequence_first_on_a_common_prefix()
    {
        Assert.True(new Sequence(Bytes(1, 2)).CompareTo(new Sequence(Bytes(1, 2, 0))) < 0);
        Assert.True(new Sequence(Bytes(1, 2, 0)).CompareTo(new Sequence(Bytes(1, 2))) > 0);
        Assert.True(Sequence.Empty.CompareTo(new Sequence(Bytes(0))) < 0);
        Assert.Equal(0, Sequence.Empty.CompareTo(new Sequence(Array.Empty<byte>())));
        Assert.Equal(0, new Sequence(Bytes(1, 2)).CompareTo(new Sequence(Bytes(0, 1, 2)).Slice(1)));
    }

    [Fact]
    public void Sorting_uses_the_byte_order()
    {
        var unsorted = new[] { Bytes(0xff), Bytes(1, 2, 0), Bytes(), Bytes(1, 2), Bytes(0x80), Bytes(1) }
            .Select(b => new Sequence(b)).ToArray();

        Array.Sort(unsorted);

        var expected = new[] { Bytes(), Bytes(1), Bytes(1, 2), Bytes(1, 2, 0), Bytes(0x80), Bytes(0xff) };
        Assert.Equal(expected, unsorted.Select(s => s.Span.ToArray()).ToArray());
    }

    [Property]
    public Property CompareTo_agrees_with_a_byte_by_byte_order_and_with_equality()
    {
        return Prop.ForAll(SmallBytes(), SmallBytes(), (a, b) =>
        {
            var expected = NaivePrefixIndex<int>.CompareBytes(a, b);
            var actual = new Sequence(a).CompareTo(new Sequence(b));
            Assert.Equal(expected, Math.Sign(actual));
            Assert.Equal(-Math.Sign(actual), Math.Sign(new Sequence(b).CompareTo(new Sequence(a))));
            Assert.Equal(actual == 0, new Sequence(a).Equals(new Sequence(b)));
        });
    }

    // ---- ToArrayUnsafe, conversions, factories ----

    [Fact]
    public void ToArrayUnsafe_returns_a_whole_array_as_is_and_copies_a_slice()
    {
        var array = Bytes(1, 2, 3);

        Assert.Same(array, new Sequence(array).ToArrayUnsafe());

        var slice = new Sequence(array).Slice(1);
        var sliceArray = slice.ToArrayUnsafe();
        Assert.NotSame(array, sliceArray);
        Assert.Equal(Bytes(2, 3), sliceArray);
    }

    [Fact]
    public void An_array_converts_implicitly_without_copying()
    {
        var array = Bytes(5, 6);
        Sequence sequence = array;

        Assert.Equal(2, sequence.Length);
        Assert.True(MemoryMarshal.TryGetArray(sequence.Memory, out var segment));
        Assert.Same(array, segment.Array);
    }

    [Fact]
    public void FromUtf8_takes_text_literally_and_FromText_reads_the_notation()
    {
        Assert.Equal(Bytes('a', '\\', 'x', '0', '0'), Sequence.FromUtf8(@"a\x00").Span.ToArray());
        Assert.Equal(Bytes(0xc3, 0xa9), Sequence.FromUtf8("é").Span.ToArray());
        Assert.Equal(Bytes('a', 0), Sequence.FromText(@"a\x00").Span.ToArray());
        Assert.Throws<SequenceFormatException>(() => Sequence.FromText("é"));
    }

    // ---- ToString ----

    [Fact]
    public void ToString_is_the_text_notation()
    {
        Assert.Equal(@"echo/\x00\xff\\", new Sequence(Bytes('e', 'c', 'h', 'o', '/', 0, 0xff, '\\')).ToString());
    }

    [Fact]
    public void ToString_with_a_limit_cuts_long_text_with_an_ellipsis_and_the_byte_count()
    {
        var sequence = Sequence.FromUtf8(new string('a', 100));

        Assert.Equal("aaaaaaaaaa...(100 bytes)", sequence.ToString(10));
    }

    [Fact]
    public void ToString_with_a_limit_leaves_text_that_fits_alone()
    {
        Assert.Equal("abc", Sequence.FromUtf8("abc").ToString(10));
        Assert.Equal("abcdefghij", Sequence.FromUtf8("abcdefghij").ToString(10));
        Assert.Equal("", Sequence.Empty.ToString(0));
    }

    [Fact]
    public void ToString_with_a_limit_never_splits_an_escape()
    {
        // Three escapes of 4 chars each; the cut comes after whole escapes only.
        var text = new Sequence(Bytes(0, 1, 2)).ToString(5);

        Assert.Equal(@"\x00\x01...(3 bytes)", text);
    }

    [Fact]
    public void ToString_with_a_limit_of_zero_shows_only_the_count()
    {
        Assert.Equal("...(3 bytes)", Sequence.FromUtf8("abc").ToString(0));
    }

    [Property]
    public Property ToString_with_a_limit_is_a_whole_escape_prefix_of_the_full_text()
    {
        var cases = Gen.Zip(Gen.ArrayOf(Gen.Elements<byte>(0, (byte)'a', (byte)'\\', (byte)'.', 0xff)), Gen.Choose(0, 40));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (bytes, maxChars) = c;
            var full = new Sequence(bytes).ToString();
            var cut = new Sequence(bytes).ToString(maxChars);
            if (full.Length <= maxChars) Assert.Equal(full, cut);
            if (cut == full)
            {
                // Not cut: the last escape began under the limit, so it overshoots by at most 3.
                Assert.True(full.Length <= maxChars + 3, $"'{full}' is over {maxChars} + 3 chars but was not cut");
                return;
            }
            var suffix = $"{SequenceText.Ellipsis}({bytes.Length} bytes)";
            Assert.EndsWith(suffix, cut);
            var head = cut[..^suffix.Length];
            Assert.StartsWith(head, full);
            Assert.InRange(head.Length, maxChars, maxChars + 3);
            // The head is whole escapes: it parses, and to a prefix of the bytes.
            var headBytes = SequenceText.Parse(head).Span.ToArray();
            Assert.True(NaivePrefixIndex<int>.IsPrefixOf(headBytes, bytes));
            Assert.True(headBytes.Length < bytes.Length);
        });
    }
}
