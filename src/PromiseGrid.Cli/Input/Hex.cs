namespace PromiseGrid.Cli.Input;

/// <summary>
/// Hex input for <c>--hex</c>. Whitespace between digits is ignored so pasted dumps
/// (<c>65 63 68 6f</c>) work; errors name the character position like the notation parser does.
/// </summary>
public static class Hex
{
    public static byte[] Parse(string text)
    {
        var bytes = new byte[text.Length / 2];
        var count = 0;
        var high = -1;
        var highPosition = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) continue;
            var value = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => -1,
            };
            if (value < 0)
            {
                var shown = c is >= ' ' and <= '~' ? $"'{c}'" : $"U+{(int)c:X4}";
                throw new UsageException($"bad hex at position {i}: {shown} is not a hex digit");
            }
            if (high < 0) { high = value; highPosition = i; continue; }
            bytes[count++] = (byte)(high << 4 | value);
            high = -1;
        }
        if (high >= 0)
            throw new UsageException($"bad hex at position {highPosition}: odd number of hex digits (a byte needs two)");
        return count == bytes.Length ? bytes : bytes.AsSpan(0, count).ToArray();
    }
}
