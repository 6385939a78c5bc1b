namespace PromiseGrid.Cli.Output;

/// <summary>
/// Left-aligned columns separated by two spaces, header in capitals: readable in a terminal and
/// still easy to cut with awk (no box drawing, no trailing spaces).
/// </summary>
public static class TextTable
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = new int[headers.Count];
        foreach (var row in all)
            for (var c = 0; c < widths.Length; c++)
                widths[c] = Math.Max(widths[c], row[c].Length);

        foreach (var row in all)
        {
            var line = new System.Text.StringBuilder();
            for (var c = 0; c < widths.Length; c++)
            {
                if (c > 0) line.Append("  ");
                line.Append(c == widths.Length - 1 ? row[c] : row[c].PadRight(widths[c]));
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
