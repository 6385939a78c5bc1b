namespace PromiseGrid.Core.Content;

/// <summary>
/// RFC 4648 base32, lower-case alphabet, no padding: the multibase <c>b</c> encoding CIDv1
/// text uses. Decoding is strict (one text per byte string), so a CID has exactly one spelling.
/// </summary>
internal static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Characters needed for <paramref name="byteCount"/> bytes: one per 5 bits, rounded up.</summary>
    public static int EncodedLength(int byteCount) => (byteCount * 8 + 4) / 5;

    /// <summary>Writes the encoding of <paramref name="bytes"/> to <paramref name="chars"/> (of <see cref="EncodedLength"/> characters).</summary>
    public static void Encode(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        var buffer = 0;
        var bits = 0;
        var at = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[at++] = Alphabet[(buffer >> bits) & 31];
            }
        }
        if (bits > 0) chars[at] = Alphabet[(buffer << (5 - bits)) & 31];
    }

    /// <summary>
    /// Decodes <paramref name="chars"/>; on a fault returns null and a reason naming it. The
    /// reason's positions count from the start of <paramref name="chars"/> plus <paramref name="offset"/>.
    /// </summary>
    public static byte[]? TryDecode(ReadOnlySpan<char> chars, int offset, out string? reason)
    {
        // A stray character is named before the length is judged: it is the likelier mistake.
        for (var i = 0; i < chars.Length; i++)
        {
            if (ValueOf(chars[i]) < 0)
            {
                reason = $"{Describe(chars[i])} at position {i + offset} is not a base32 lower-case character (a-z, 2-7)";
                return null;
            }
        }
        // 1, 3 or 6 characters left over cannot come from whole bytes (they carry 5, 15 or 30 bits).
        var tail = chars.Length % 8;
        if (tail is 1 or 3 or 6)
        {
            reason = $"{chars.Length} base32 characters do not make whole bytes";
            return null;
        }
        var bytes = new byte[chars.Length * 5 / 8];
        var buffer = 0;
        var bits = 0;
        var at = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            buffer = (buffer << 5) | ValueOf(chars[i]);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes[at++] = (byte)(buffer >> bits);
            }
            buffer &= (1 << bits) - 1;
        }
        if (buffer != 0)
        {
            // Another spelling of the same bytes: refused, so text compares equal exactly when the CIDs do.
            reason = "the last base32 character has non-zero padding bits";
            return null;
        }
        reason = null;
        return bytes;
    }

    private static int ValueOf(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a',
        >= '2' and <= '7' => c - '2' + 26,
        _ => -1,
    };

    private static string Describe(char c) => c is >= (char)0x21 and <= (char)0x7e ? $"'{c}'" : $"U+{(int)c:X4}";
}
