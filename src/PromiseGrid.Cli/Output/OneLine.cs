using System.Text;

namespace PromiseGrid.Cli.Output;

/// <summary>
/// Squeezes text from the node (or from an exception) into one line: the CLI's contract is exactly
/// one stderr line per error, and a node's detail could carry newlines or control bytes.
/// </summary>
public static class OneLine
{
    public const int DefaultMaxChars = 1000;

    public static string Of(string? text, int maxChars = DefaultMaxChars)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        var line = new StringBuilder(Math.Min(text.Length, maxChars + 3));
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = line.Length > 0;
                continue;
            }
            if (pendingSpace) { line.Append(' '); pendingSpace = false; }
            if (line.Length >= maxChars) { line.Append("..."); break; }
            line.Append(c);
        }
        return line.ToString();
    }
}
