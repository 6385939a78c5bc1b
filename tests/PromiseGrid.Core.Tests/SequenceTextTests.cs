using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace PromiseGrid.Core.Tests;

public class SequenceTextTests
{
    private static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    private static byte[] ParseBytes(string notation) => SequenceText.Parse(notation).Span.ToArray();

    private static bool IsPrintableAscii(char c) => c >= 0x20 && c <= 0x7e;

    // ---- format then parse ----

    [Fact]
    public void Every_single_byte_value_formats_as_documented_and_round_trips()
    {
        for (var value = 0; value <= 255; value++)
        {
            var b = (byte)value;
            var text = SequenceText.Format([b]);

            var expected = b == (byte)'\\' ? @"\\"
                : b >= 0x20 && b <= 0x7e ? ((char)b).ToString()
                : $@"\x{b:x2}";
            Assert.Equal(expected, text);
            Assert.Equal(new[] { b }, ParseBytes(text));
        }
    }

    [Property]
    public Property Any_byte_array_round_trips_through_the_notation()
    {
        return Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var text = SequenceText.Format(bytes);

            Assert.All(text, c => Assert.True(IsPrintableAscii(c), $"U+{(int)c:X4} in '{text}'"));
            Assert.Equal(bytes, ParseBytes(text));
            Assert.True(SequenceText.TryParse(text, out var parsed));
            Assert.Equal(new Sequence(bytes), parsed);
        });
    }

    [Property]
    public Property Printable_ascii_without_backslash_stands_for_itself_both_ways()
    {
        var printable = Gen.Choose(0x20, 0x7e).Select(i => (char)i).Where(c => c != '\\');
        var strings = Gen.ArrayOf(printable).Select(chars => new string(chars));
        return Prop.ForAll(strings.ToArbitrary(), text =>
        {
            var bytes = text.Select(c => (byte)c).ToArray();
            Assert.Equal(bytes, ParseBytes(text));
            Assert.Equal(text, SequenceText.Format(bytes));
        });
    }

    // ---- examples from the design ----

    [Fact]
    public void Echo_with_two_escapes_is_seven_bytes()
    {
        var sequence = SequenceText.Parse(@"echo/\x00\xff");

        Assert.Equal(7, sequence.Length);
        Assert.Equal(Bytes('e', 'c', 'h', 'o', '/', 0x00, 0xff), sequence.Span.ToArray());
        Assert.Equal(@"echo/\x00\xff", SequenceText.Format(sequence.Span));
    }

    [Fact]
    public void Formatting_uses_lower_case_hex()
    {
        Assert.Equal(@"\xab\xcd\xef\x0a\x7f\x80", SequenceText.Format(Bytes(0xab, 0xcd, 0xef, 0x0a, 0x7f, 0x80)));
    }

    [Fact]
    public void A_backslash_formats_as_two_backslashes()
    {
        Assert.Equal(@"a\\b", SequenceText.Format(Bytes('a', '\\', 'b')));
        Assert.Equal(@"\\\\", SequenceText.Format(Bytes('\\', '\\')));
    }

    [Fact]
    public void Printable_ascii_including_space_and_tilde_formats_as_itself()
    {
        Assert.Equal(" ~Az09/.", SequenceText.Format(Bytes(' ', '~', 'A', 'z', '0', '9', '/', '.')));
        Assert.Equal(@"\x1f\x7f", SequenceText.Format(Bytes(0x1f, 0x7f)));
    }

    [Fact]
    public void Parse_accepts_upper_and_mixed_case_hex()
    {
        Assert.Equal(Bytes(0xff, 0xab, 0x0a, 0xcd), ParseBytes(@"\xFF\xAb\x0A\xcD"));
    }

    [Fact]
    public void Parse_reads_an_escaped_backslash_followed_by_literal_text()
    {
        // \\x00 is a backslash, then the three characters x, 0, 0 (not an escape).
        Assert.Equal(Bytes('\\', 'x', '0', '0'), ParseBytes(@"\\x00"));
        Assert.Equal(Bytes('\\', 0), ParseBytes(@"\\\x00"));
    }

    [Fact]
    public void Empty_text_is_the_empty_sequence()
    {
        Assert.Equal(Sequence.Empty, SequenceText.Parse(""));
        Assert.Equal("", SequenceText.Format(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Null_text_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => SequenceText.Parse(null!));
        Assert.Throws<ArgumentNullException>(() => SequenceText.TryParse(null!, out _));
    }

    // ---- bad notation ----

    [Theory]
    [InlineData(@"\", 0)]                  // lone trailing backslash
    [InlineData(@"echo\", 4)]
    [InlineData(@"\\\", 2)]                // an escaped backslash, then a lone one
    [InlineData(@"\q", 0)]                 // unknown escape
    [InlineData(@"ab\q", 2)]
    [InlineData(@"\X41", 0)]               // the escape letter is lower-case x only
    [InlineData(@"\n", 0)]                 // C-style escapes are not notation
    [InlineData(@"\x", 0)]                 // no hex digits
    [InlineData(@"ab\x", 2)]
    [InlineData(@"\x4", 0)]                // one hex digit
    [InlineData(@"a\x4", 1)]
    [InlineData(@"\xzz", 0)]               // non-hex digits
    [InlineData(@"\x4z", 0)]
    [InlineData(@"\xz4", 0)]
    [InlineData(@"\x\x00", 0)]
    [InlineData(@"ok\x00\xg0", 6)]         // fault after a good escape
    [InlineData("é", 0)]                   // non-ASCII
    [InlineData("caf\u00e9", 3)]
    [InlineData("a\tb", 1)]                // control characters
    [InlineData("line\n", 4)]
    [InlineData("\0", 0)]
    [InlineData("\u007f", 0)]              // DEL is not printable
    [InlineData("\ud83d\ude00", 0)]        // a surrogate pair (emoji)
    public void Bad_notation_fails_at_the_faulty_position(string notation, int position)
    {
        var error = Assert.Throws<SequenceFormatException>(() => SequenceText.Parse(notation));
        Assert.Equal(position, error.Position);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        Assert.Contains($"position {position}", error.Message);
        Assert.IsAssignableFrom<FormatException>(error);

        Assert.False(SequenceText.TryParse(notation, out var sequence));
        Assert.Equal(Sequence.Empty, sequence);

        Assert.False(SequenceText.TryParse(notation, out _, out var tryError));
        Assert.NotNull(tryError);
        Assert.Equal(position, tryError.Position);
    }

    [Fact]
    public void TryParse_on_good_text_gives_the_bytes_and_no_error()
    {
        Assert.True(SequenceText.TryParse(@"a\x01", out var sequence, out var error));
        Assert.Null(error);
        Assert.Equal(Bytes('a', 1), sequence.Span.ToArray());
    }

    [Property]
    public Property TryParse_never_throws_and_agrees_with_Parse_on_any_text()
    {
        // Text built from the characters that matter to the parser, so escapes, half escapes
        // and bad characters all come up often.
        var chars = Gen.Elements('\\', '\\', 'x', 'x', '0', 'f', 'F', 'g', 'a', ' ', '~', 'é', '\t', '\u007f');
        var texts = Gen.ArrayOf(chars).Select(cs => new string(cs));
        return Prop.ForAll(texts.ToArbitrary(), text =>
        {
            var ok = SequenceText.TryParse(text, out var sequence, out var error);
            if (ok)
            {
                Assert.Null(error);
                Assert.Equal(sequence, SequenceText.Parse(text));
                // Formatting the result gives canonical notation that reads back the same.
                Assert.Equal(sequence, SequenceText.Parse(SequenceText.Format(sequence.Span)));
                Assert.True(sequence.Length <= text.Length);
            }
            else
            {
                Assert.NotNull(error);
                Assert.InRange(error.Position, 0, text.Length - 1);
                // The fault is a backslash that starts a bad escape, or a character outside printable ASCII.
                var at = text[error.Position];
                Assert.True(at == '\\' || !IsPrintableAscii(at), $"position {error.Position} in '{text}' is '{at}'");
                // The text before the fault is good notation.
                Assert.True(SequenceText.TryParse(text[..error.Position], out _));
                var thrown = Assert.Throws<SequenceFormatException>(() => SequenceText.Parse(text));
                Assert.Equal(error.Position, thrown.Position);
            }
        });
    }
}
