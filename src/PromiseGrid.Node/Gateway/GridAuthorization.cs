using System.Buffers.Text;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Node.Gateway;

/// <summary>
/// The gateway's capability header: <c>Authorization: Grid &lt;token&gt;</c>, or
/// <c>Grid &lt;token&gt;.&lt;proof&gt;</c> for a holder-bound token, both base64url without
/// padding (the alphabet has no '.', so the dot cannot be part of either).
/// </summary>
public static class GridAuthorization
{
    public const string Scheme = "Grid";

    /// <summary>
    /// Reads the header. No header (or another scheme's) is no capability; a Grid header that is
    /// not base64url is an error, so the caller learns at once why the grid won't accept it.
    /// </summary>
    public static bool TryParse(string? header, out Capability? capability, out string? error)
    {
        capability = null;
        error = null;
        if (string.IsNullOrWhiteSpace(header)) return true;
        var value = header.AsSpan().Trim();
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
            error = "Authorization: Grid token is not base64url (RFC 4648 §5, no padding)";
            return false;
        }
        if (!TryDecode(proofText, out var proof))
        {
            error = "Authorization: Grid holder proof (after the '.') is not base64url";
            return false;
        }
        capability = new Capability(token, proof);
        return true;
    }

    /// <summary>The header value for a token and an optional proof.</summary>
    public static string Format(ReadOnlySpan<byte> token, ReadOnlySpan<byte> proof) =>
        proof.IsEmpty ? $"{Scheme} {Base64Url.EncodeToString(token)}" : $"{Scheme} {Base64Url.EncodeToString(token)}.{Base64Url.EncodeToString(proof)}";

    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (!Base64Url.TryDecodeFromChars(text, bytes, out var written))
        {
            bytes = [];
            return false;
        }
        if (written != bytes.Length) bytes = bytes[..written];
        return true;
    }
}
