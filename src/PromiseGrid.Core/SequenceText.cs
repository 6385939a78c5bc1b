using System.Text;

namespace PromiseGrid.Core;

/// <summary>
/// The text notation for sequences used by the CLI and in logs: printable ASCII (0x20–0x7E)
/// stands for itself, <c>\\</c> for a backslash and <c>\xHH</c> for any other byte.
/// <c>echo/\x00\xff</c> is 7 bytes. Formatting then parsing gives back every byte string.
/// </summary>
public static class SequenceText
{
    private const string HexDigits = "0123456789abcdef";

    /// <summary>Marker appended when <see cref="Format(ReadOnlySpan{byte}, int)"/> cuts the text.</summary>
    public const string Ellipsis = "...";

    public static string Format(ReadOnlySpan<byte> bytes) => Format(bytes, int.MaxValue);

    /// <summary>
    /// Formats at most about <paramref name="maxChars"/> characters of notation; a cut text ends
    /// with <see cref="Ellipsis"/> and the total byte count, e.g. <c>echo/aaa...(1048581 bytes)</c>.
    /// </summary>
    public static string Format(ReadOnlySpan<byte> bytes, int maxChars)
    {
        var text = new StringBuilder(Math.Min(bytes.Length * 2, Math.Max(16, Math.Min(maxChars, 4096)) + 32));
        for (var i = 0; i < bytes.Length; i++)
        {
            if (text.Length >= maxChars)
            {
                text.Append(Ellipsis).Append('(').Append(bytes.Length).Append(" bytes)");
                break;
            }
            var b = bytes[i];
            if (b == (byte)'\\') text.Append(@"\\");
            else if (b is >= 0x20 and <= 0x7e) text.Append((char)b);
            else text.Append(@"\x").Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xf]);
        }
        return text.ToString();
    }

    public static Sequence Parse(string notation)
    {
        ArgumentNullException.ThrowIfNull(notation);
        return TryParse(notation, out var sequence, out var error) ? sequence : throw error!;
    }

    public static bool TryParse(string notation, out Sequence sequence) => TryParse(notation, out sequence, out _);

    /// <summary>Parses notation; on failure <paramref name="error"/> names the character position and why.</summary>
    public static bool TryParse(string notation, out Sequence sequence, out SequenceFormatException? error)
    {
        ArgumentNullException.ThrowIfNull(notation);
        var bytes = new byte[notation.Length];
        var count = 0;
        for (var i = 0; i < notation.Length; i++)
        {
            var c = notation[i];
            if (c == '\\')
            {
                if (i + 1 >= notation.Length)
                    return Fail(i, "a lone backslash ends the text (write \\\\ for a backslash)", out sequence, out error);
                var next = notation[i + 1];
                if (next == '\\') { bytes[count++] = (byte)'\\'; i++; continue; }
                if (next != 'x')
                    return Fail(i, $"unknown escape '\\{Printable(next)}' (use \\\\ or \\xHH)", out sequence, out error);
                if (i + 3 >= notation.Length)
                    return Fail(i, "\\x needs two hex digits", out sequence, out error);
                var hi = HexValue(notation[i + 2]);
                var lo = HexValue(notation[i + 3]);
                if (hi < 0 || lo < 0)
                    return Fail(i, $"\\x needs two hex digits, found '{Printable(notation[i + 2])}{Printable(notation[i + 3])}'", out sequence, out error);
                bytes[count++] = (byte)(hi << 4 | lo);
                i += 3;
                continue;
            }
            if (c is < ' ' or > '~')
                return Fail(i, $"character U+{(int)c:X4} is not printable ASCII (write it as \\xHH bytes)", out sequence, out error);
            bytes[count++] = (byte)c;
        }
        sequence = new Sequence(count == bytes.Length ? bytes : bytes.AsSpan(0, count).ToArray());
        error = null;
        return true;
    }

    private static bool Fail(int position, string reason, out Sequence sequence, out SequenceFormatException? error)
    {
        sequence = default;
        error = new SequenceFormatException(position, reason);
        return false;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static string Printable(char c) => c is >= ' ' and <= '~' ? c.ToString() : $"U+{(int)c:X4}";
}
