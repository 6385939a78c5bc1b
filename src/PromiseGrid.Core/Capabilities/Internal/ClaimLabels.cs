namespace PromiseGrid.Core.Capabilities.Internal;

/// <summary>
/// CWT claim labels (RFC 8392 §4 for the registered ones). The project's own claims use labels
/// from the private-use range (below -65536), so they can never collide with a registered claim.
/// </summary>
internal static class ClaimLabels
{
    public const long Issuer = 1;          // iss
    public const long Audience = 3;        // aud: the holder key
    public const long Expires = 4;         // exp
    public const long NotBefore = 5;       // nbf
    public const long IssuedAt = 6;        // iat
    public const long TokenId = 7;         // cti: the nonce
    public const long Prefix = -65537;
    public const long Parent = -65538;
    public const long SequenceHash = -65539;

    public const int NonceBytes = 16;
    public const int HashBytes = 32;
}
