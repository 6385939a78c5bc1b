using System.Buffers.Text;
using Microsoft.Extensions.Primitives;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>
/// The gateway's capability header: <c>Authorization: Grid &lt;token&gt;</c>, or
/// <c>Grid &lt;token&gt;.&lt;proof&gt;</c> for a holder-bound token, both base64url without
/// padding (the alphabet has no '.', so the dot cannot be part of either).
/// </summary>
internal static class GridAuthorization
{
    public const string Scheme = "Grid";

    /// <summary>
    /// Reads the header. No header (or another scheme's) is no capability; a Grid header that is
    /// malformed in any way is an error naming the fault, so the caller learns at once why the grid
    /// won't accept it. Never throws: every input ends in a capability, none, or an error.
    /// </summary>
    public static bool TryParse(StringValues headers, out Capability? capability, out string? error)
    {
        capability = null;
        error = null;
        // Two Authorization headers would be joined with a comma by a naive reader; which one the
        // caller meant is unknowable, so neither is used.
        if (headers.Count > 1)
        {
            error = $"Authorization is given {headers.Count} times; send one header";
            return false;
        }
        var header = headers.Count == 1 ? headers[0] : null;
        if (string.IsNullOrWhiteSpace(header)) return true;
        var value = header.AsSpan().Trim();
        // "Grid" alone: HTTP trims the header's trailing spaces, so "Grid   " arrives so.
        if (value.Equals(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = "Authorization: Grid has no token after the scheme";
            return false;
        }
        if (!value.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase)) return true;
        value = value[(Scheme.Length + 1)..].Trim();
        var dot = value.IndexOf('.');
        var tokenText = dot < 0 ? value : value[..dot];
        var proofText = dot < 0 ? [] : value[(dot + 1)..];
        if (tokenText.IsEmpty)
        {
            error = "Authorization: Grid has no token after the scheme";
            return false;
        }
        if (!TryDecode(tokenText, out var token))
        {
            error = "Authorization: Grid token is not base64url (RFC 4648 §5: A-Z a-z 0-9 - _, no padding)";
            return false;
        }
        if (dot >= 0 && proofText.IsEmpty)
        {
            error = "Authorization: Grid has a '.' but no holder proof after it";
            return false;
        }
        if (!TryDecode(proofText, out var proof))
        {
            error = "Authorization: Grid holder proof (after the '.') is not base64url (RFC 4648 §5: A-Z a-z 0-9 - _, no padding)";
            return false;
        }
        capability = new Capability(token, proof);
        return true;
    }

    /// <summary>The header value for a token and an optional proof.</summary>
    public static string Format(ReadOnlySpan<byte> token, ReadOnlySpan<byte> proof) =>
        proof.IsEmpty ? $"{Scheme} {Base64Url.EncodeToString(token)}" : $"{Scheme} {Base64Url.EncodeToString(token)}.{Base64Url.EncodeToString(proof)}";

    /// <summary>
    /// Strict base64url: only the URL-safe alphabet, no padding, no white space, and no length
    /// that leaves a lone character (4n+1), and no left-over bits that are not zero. The alphabet is
    /// checked first so the common faults never cost an exception; the decoder throws (rather than
    /// returning false) on what remains.
    /// </summary>
    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 == 1) return false;
        foreach (var c in text)
        {
            if (!IsBase64UrlChar(c)) return false;
        }
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
            return true;
        }
        catch (FormatException)
        {
            // Left-over bits that are not zero ("z_"): not the canonical encoding of any bytes.
            return false;
        }
    }

    private static bool IsBase64UrlChar(char c) =>
        c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_';
}
