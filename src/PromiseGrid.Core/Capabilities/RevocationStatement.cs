using System.Formats.Cbor;
using PromiseGrid.Core.Capabilities.Internal;

namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// A signed request to refuse one link of a chain (and so every chain below it). It carries the
/// chain up to that link, so any node can check on its own, with only its trusted keys, that the
/// signer had the authority: a trusted root key, or the issuer of the link or of a link above it.
/// A delegator can revoke what it delegated; a holder cannot revoke the link it was handed.
/// </summary>
/// <remarks>
/// Format: a tagged COSE_Sign1 (ES256, protected header <c>{1: -7}</c>, low-S) signed by the
/// revoker, whose payload is a CBOR map <c>{1: bstr link hash, 2: int iat seconds, 3: bstr token
/// (the chain up to and including the link), 4: bstr signer public key (65 bytes)}</c>.
/// </remarks>
public static class RevocationStatement
{
    private const long HashLabel = 1;
    private const long IssuedAtLabel = 2;
    private const long TokenLabel = 3;
    private const long SignerLabel = 4;

    /// <summary>Signs a statement revoking link <paramref name="linkIndex"/> (0 = root) of <paramref name="token"/>.</summary>
    /// <exception cref="CapabilityException">The index is not a link of the token, or the signer has no private key.</exception>
    public static byte[] Create(GridKey signer, CapabilityToken token, int linkIndex)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(token);
        if (linkIndex < 0 || linkIndex >= token.Links.Count)
            throw new CapabilityException($"link {linkIndex} is not in the token, which has links 0 to {token.Links.Count - 1}");
        var chain = token.Take(linkIndex + 1);
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(4);
        writer.WriteInt64(HashLabel);
        writer.WriteByteString(token.Links[linkIndex].Hash);
        writer.WriteInt64(IssuedAtLabel);
        writer.WriteInt64(UnixTime.ToSeconds(DateTimeOffset.UtcNow));
        writer.WriteInt64(TokenLabel);
        writer.WriteByteString(chain.Encoded);
        writer.WriteInt64(SignerLabel);
        writer.WriteByteString(signer.PublicKey);
        writer.WriteEndMap();
        return CoseEnvelope.Sign(signer, writer.Encode());
    }

    /// <summary>Signs a statement revoking the link of <paramref name="token"/> whose hash is <paramref name="linkHashHex"/>.</summary>
    /// <exception cref="CapabilityException">No link of the token has that hash.</exception>
    public static byte[] Create(GridKey signer, CapabilityToken token, string linkHashHex)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(linkHashHex);
        for (var i = 0; i < token.Links.Count; i++)
        {
            if (string.Equals(token.Links[i].HashHex, linkHashHex.Trim(), StringComparison.OrdinalIgnoreCase))
                return Create(signer, token, i);
        }
        throw new CapabilityException($"no link of the token has hash {linkHashHex.Trim()}");
    }

    /// <summary>
    /// Checks a statement: its signature, its embedded chain against <paramref name="trust"/>
    /// (expiry ignored here: the node decides what an expired link means, see
    /// <see cref="RevokedLink.LinkExpires"/>), that the hash names a link of that chain, and that
    /// the signer had authority over that link.
    /// </summary>
    /// <exception cref="CapabilityException">Any of those fails; the reason says which.</exception>
    public static RevokedLink Verify(ReadOnlySpan<byte> statement, TrustedIssuers trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        if (statement.IsEmpty) throw new CapabilityException("revocation statement is empty");
        if (statement.Length > CapabilityLimits.MaxRevocationStatementBytes)
            throw new CapabilityException(
                $"revocation statement is {statement.Length} bytes, over the limit of {CapabilityLimits.MaxRevocationStatementBytes}");
        const string context = "revocation statement is malformed: ";
        var encoded = statement.ToArray();
        var parts = CoseEnvelope.Read(encoded, context);
        var (hash, issuedAt, tokenBytes, signer) = ClaimReader.Guard(context, () => ReadClaims(parts.Payload, context));

        // The statement's own signature first: one verification, before the chain's up to eight.
        using (var signerKey = GridKey.FromPublicKey(signer))
        {
            if (!CoseEnvelope.VerifySignature(encoded, signerKey))
                throw new CapabilityException("revocation statement signature does not verify with its signer's key");
        }

        VerifiedCapability chain;
        try
        {
            chain = CapabilityToken.Verify(tokenBytes, trust);
        }
        catch (CapabilityException e)
        {
            throw new CapabilityException($"revocation statement's chain is invalid: {e.Reason}");
        }

        var index = -1;
        for (var i = 0; i < chain.LinkHashes.Count; i++)
        {
            if (chain.LinkHashes[i].AsSpan().SequenceEqual(hash)) { index = i; break; }
        }
        if (index < 0) throw new CapabilityException("revocation statement names a link that is not in its chain");

        var authorised = trust.Contains(signer);
        for (var i = 0; i <= index && !authorised; i++)
            authorised = chain.Token.Links[i].Issuer.AsSpan().SequenceEqual(signer);
        if (!authorised)
            throw new CapabilityException(
                $"revocation of link {index} is signed by {GridKeyText(signer)}…, which issued neither that link nor any link above it");

        return new RevokedLink(hash, signer, issuedAt) { LinkExpires = chain.Token.Links[index].Expires };
    }

    private static string GridKeyText(byte[] key) => System.Buffers.Text.Base64Url.EncodeToString(key)[..12];

    private static (byte[] Hash, DateTimeOffset IssuedAt, byte[] Token, byte[] Signer) ReadClaims(byte[] payload, string context)
    {
        var claims = new ClaimReader(payload, context);
        byte[]? hash = null, token = null, signer = null;
        DateTimeOffset? issuedAt = null;
        while (claims.TryReadLabel(out var label))
        {
            switch (label)
            {
                case HashLabel: hash = claims.ReadBytes("link hash (1)"); break;
                case IssuedAtLabel: issuedAt = claims.ReadTime("iat (2)"); break;
                case TokenLabel: token = claims.ReadBytes("token (3)"); break;
                case SignerLabel: signer = claims.ReadBytes("signer (4)"); break;
                default: throw claims.Fail($"unknown field {label}");
            }
        }
        if (hash is null) throw claims.Fail("field link hash (1) is missing");
        if (issuedAt is null) throw claims.Fail("field iat (2) is missing");
        if (token is null) throw claims.Fail("field token (3) is missing");
        if (signer is null) throw claims.Fail("field signer (4) is missing");
        if (hash.Length != ClaimLabels.HashBytes) throw claims.Fail($"link hash must be {ClaimLabels.HashBytes} bytes, got {hash.Length}");
        if (P256.CheckPoint(signer) is { } problem) throw claims.Fail($"signer: {problem}");
        return (hash, issuedAt.Value, token, signer);
    }
}
