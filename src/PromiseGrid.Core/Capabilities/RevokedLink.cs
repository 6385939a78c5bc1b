using System.Buffers.Text;

namespace PromiseGrid.Core.Capabilities;

/// <summary>A verified revocation: the link (by hash) that is refused from now on, with every chain below it.</summary>
/// <param name="LinkHash">SHA-256 of the revoked link's encoded COSE_Sign1.</param>
/// <param name="Signer">The public key that signed the revocation statement.</param>
/// <param name="IssuedAt">When the signer says it revoked the link.</param>
public sealed record RevokedLink(byte[] LinkHash, byte[] Signer, DateTimeOffset IssuedAt)
{
    /// <summary>
    /// When the revoked link expires (its own <c>exp</c>, never later than any link above it): from
    /// then on every chain through it is refused as expired anyway, so a node forgets the revocation.
    /// </summary>
    public DateTimeOffset LinkExpires { get; init; }

    /// <summary>The revoked link's hash in lower-case hex.</summary>
    public string HashHex => Convert.ToHexStringLower(LinkHash);

    /// <summary>The signer's key as base64url text.</summary>
    public string SignerText => Base64Url.EncodeToString(Signer);
}
