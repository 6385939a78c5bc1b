namespace PromiseGrid.Modules.Wasm;

/// <summary>Wasmtime's multi-line error texts made into one-line reasons.</summary>
internal static class WasmErrors
{
    /// <summary>Longest part of a Wasmtime message kept in a reason.</summary>
    private const int MaxChars = 400;

    /// <summary>The message on one line: the cause first ("Caused by: ..."), then the backtrace.</summary>
    public static string OneLine(string message)
    {
        const string causedBy = "Caused by:";
        var at = message.IndexOf(causedBy, StringComparison.Ordinal);
        var text = at < 0 ? message : message[(at + causedBy.Length)..] + " (" + message[..at].Trim() + ")";
        text = string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return Cap(text);
    }

    public static string Cap(string text, int maxChars = MaxChars) => text.Length <= maxChars ? text : text[..maxChars] + "...";
}
