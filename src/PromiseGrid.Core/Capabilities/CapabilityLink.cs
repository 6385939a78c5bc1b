using System.Buffers.Text;

namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// One decoded link of a <see cref="CapabilityToken"/>: the claims of one COSE_Sign1, plus its exact
/// bytes and their SHA-256 <see cref="Hash"/> (the link's name for parent claims and revocation).
/// Arrays are shared with the token; callers must not change them.
/// </summary>
/// <param name="Issuer">The key that signed this link (claim 1, iss).</param>
/// <param name="Holder">The key this link is handed to (claim 3, aud); null for a bearer link.</param>
/// <param name="Prefix">The byte prefix this link covers (claim -65537).</param>
/// <param name="Nonce">16 random bytes (claim 7, cti).</param>
/// <param name="Parent">SHA-256 of the parent link's bytes (claim -65538); null in the root link.</param>
/// <param name="Encoded">The tagged COSE_Sign1 bytes exactly as they stand in the token.</param>
/// <param name="Hash">SHA-256 of <paramref name="Encoded"/>.</param>
public sealed record CapabilityLink(
    byte[] Issuer,
    byte[]? Holder,
    byte[] Prefix,
    DateTimeOffset NotBefore,
    DateTimeOffset Expires,
    DateTimeOffset IssuedAt,
    byte[] Nonce,
    byte[]? Parent,
    byte[] Encoded,
    byte[] Hash)
{
    /// <summary>The hash in lower-case hex: how revocation names this link in text.</summary>
    public string HashHex => Convert.ToHexStringLower(Hash);

    /// <summary>True when anyone presenting the token may use this link (no holder key).</summary>
    public bool IsBearer => Holder is null;

    /// <summary>The issuer key as base64url text.</summary>
    public string IssuerText => Base64Url.EncodeToString(Issuer);

    /// <summary>The holder key as base64url text, or null for a bearer link.</summary>
    public string? HolderText => Holder is null ? null : Base64Url.EncodeToString(Holder);
}
