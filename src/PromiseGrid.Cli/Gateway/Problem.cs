using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Cli.Output;

namespace PromiseGrid.Cli.Gateway;

/// <summary>
/// Reads an error answer (RFC 9457 <c>application/problem+json</c>, with the grid's status word in
/// the <c>grid</c> extension member) into a <see cref="GatewayException"/> whose message is the
/// CLI's one error line, e.g. <c>no route: no module serves a prefix of 'foo/bar' (404)</c>.
/// </summary>
public static class Problem
{
    /// <summary>
    /// Builds the exception. A body that is not a problem document (a proxy's HTML page, plain text)
    /// still yields a useful line: the HTTP status plus the body's first words.
    /// </summary>
    public static GatewayException ToException(int httpStatus, string? reasonPhrase, ReadOnlySpan<byte> body)
    {
        string? title = null, detail = null, grid = null;
        var isProblem = false;
        if (!body.IsEmpty)
        {
            try
            {
                using var document = JsonDocument.Parse(body.ToArray());
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    var root = document.RootElement;
                    title = StringMember(root, "title");
                    detail = StringMember(root, "detail");
                    grid = StringMember(root, "grid");
                    isProblem = title is not null || detail is not null || grid is not null;
                }
            }
            catch (JsonException)
            {
                // Not JSON: fall through to the plain-text description below.
            }
        }

        if (!isProblem)
        {
            var text = OneLine.Of(Encoding.UTF8.GetString(body), 200);
            var status = $"HTTP {httpStatus} {reasonPhrase ?? ReasonPhrase(httpStatus)}".TrimEnd();
            return new GatewayException(text.Length == 0 ? $"node answered {status}" : $"node answered {status}: {text}", httpStatus);
        }

        var what = grid is not null ? Phrase(grid) : OneLine.Of(title);
        if (what.Length == 0) what = ReasonPhrase(httpStatus).ToLowerInvariant();
        var reason = OneLine.Of(detail);
        var message = reason.Length == 0 ? $"{what} ({httpStatus})" : $"{what}: {reason} ({httpStatus})";
        return new GatewayException(message, httpStatus, grid, detail);
    }

    /// <summary>
    /// The grid's status words (docs/architecture.md#statuses) as lower-case phrases: <c>NoRoute</c> → <c>no route</c>.
    /// Unknown words are split at their capitals the same way, so a newer node's words still read well.
    /// </summary>
    public static string Phrase(string gridStatus)
    {
        var phrase = new StringBuilder(gridStatus.Length + 4);
        foreach (var c in OneLine.Of(gridStatus, 80))
        {
            if (char.IsUpper(c) && phrase.Length > 0 && phrase[^1] != ' ') phrase.Append(' ');
            phrase.Append(char.ToLowerInvariant(c));
        }
        return phrase.ToString();
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string ReasonPhrase(int status) =>
        Enum.IsDefined(typeof(HttpStatusCode), status) ? SplitWords(((HttpStatusCode)status).ToString()) : string.Empty;

    private static string SplitWords(string name)
    {
        var words = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0) words.Append(' ');
            words.Append(c);
        }
        return words.ToString();
    }
}
