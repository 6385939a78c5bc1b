using System.Formats.Cbor;
using System.Security.Cryptography;
using PromiseGrid.Core.Capabilities.Internal;

namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// The per-request signature a holder-bound token needs: it shows the presenter has the holder's
/// private key and binds that to one sequence, one moment and one nonce, so a captured request
/// cannot be replayed or turned into a different request.
/// </summary>
/// <remarks>
/// Format: a tagged COSE_Sign1 like a token link (ES256, protected header <c>{1: -7}</c>, low-S),
/// signed by the holder key, whose payload is a CWT claims map: <c>6 iat</c> (int seconds),
/// <c>7 cti</c> (16-byte nonce), <c>-65539</c> (bstr, SHA-256 of the sequence). At most 512 bytes.
/// </remarks>
public static class HolderProof
{
    /// <summary>Signs a fresh proof for <paramref name="sequence"/> at <paramref name="now"/>.</summary>
    public static byte[] Create(GridKey holder, ReadOnlySpan<byte> sequence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(3);
        writer.WriteInt64(ClaimLabels.IssuedAt);
        writer.WriteInt64(UnixTime.ToSeconds(now));
        writer.WriteInt64(ClaimLabels.TokenId);
        writer.WriteByteString(RandomNumberGenerator.GetBytes(ClaimLabels.NonceBytes));
        writer.WriteInt64(ClaimLabels.SequenceHash);
        writer.WriteByteString(SHA256.HashData(sequence));
        writer.WriteEndMap();
        return CoseEnvelope.Sign(holder, writer.Encode());
    }

    /// <summary>Verifies a proof against a holder key given as its 65-byte point.</summary>
    /// <exception cref="CapabilityException">The proof is missing, malformed, by another key, for
    /// another sequence, or its time is more than <paramref name="maxSkew"/> from <paramref name="now"/>.</exception>
    public static ProofFacts Verify(ReadOnlySpan<byte> proof, ReadOnlySpan<byte> holderKey, ReadOnlySpan<byte> sequence, DateTimeOffset now, TimeSpan maxSkew)
    {
        CheckSize(proof);
        using var key = GridKey.FromPublicKey(holderKey);
        return Verify(proof, key, sequence, now, maxSkew);
    }

    /// <summary>Verifies a proof against a holder key already imported (e.g. <see cref="VerifiedCapability.HolderKey"/>).</summary>
    /// <exception cref="CapabilityException">As the other overload.</exception>
    public static ProofFacts Verify(ReadOnlySpan<byte> proof, GridKey holder, ReadOnlySpan<byte> sequence, DateTimeOffset now, TimeSpan maxSkew)
    {
        ArgumentNullException.ThrowIfNull(holder);
        CheckSize(proof);
        const string context = "holder proof is malformed: ";
        var encoded = proof.ToArray();
        var parts = CoseEnvelope.Read(encoded, context);
        var (issuedAt, nonce, sequenceHash) = ClaimReader.Guard(context, () => ReadClaims(parts.Payload, context));

        // The cheap checks first, so a junk proof costs no signature verification.
        Span<byte> expected = stackalloc byte[ClaimLabels.HashBytes];
        SHA256.HashData(sequence, expected);
        if (!expected.SequenceEqual(sequenceHash))
            throw new CapabilityException("holder proof is for another sequence");
        if ((issuedAt - now).Duration() > maxSkew)
            throw new CapabilityException(
                $"holder proof time {UnixTime.Format(issuedAt)} is more than {maxSkew.TotalSeconds:0} s from now ({UnixTime.Format(now)})");
        if (!CoseEnvelope.VerifySignature(encoded, holder))
            throw new CapabilityException("holder proof is not signed by the token's holder");

        Span<byte> keyHash = stackalloc byte[ClaimLabels.HashBytes];
        SHA256.HashData(holder.PublicKey, keyHash);
        return new ProofFacts(nonce, issuedAt)
        {
            NonceKey = Convert.ToHexStringLower(keyHash[..8]) + Convert.ToHexStringLower(nonce),
        };
    }

    private static void CheckSize(ReadOnlySpan<byte> proof)
    {
        if (proof.IsEmpty) throw new CapabilityException("holder proof is missing (the token is bound to a holder key)");
        if (proof.Length > CapabilityLimits.MaxProofBytes)
            throw new CapabilityException($"holder proof is {proof.Length} bytes, over the limit of {CapabilityLimits.MaxProofBytes}");
    }

    private static (DateTimeOffset IssuedAt, byte[] Nonce, byte[] SequenceHash) ReadClaims(byte[] payload, string context)
    {
        var claims = new ClaimReader(payload, context);
        DateTimeOffset? issuedAt = null;
        byte[]? nonce = null, sequenceHash = null;
        while (claims.TryReadLabel(out var label))
        {
            switch (label)
            {
                case ClaimLabels.IssuedAt: issuedAt = claims.ReadTime("iat (6)"); break;
                case ClaimLabels.TokenId: nonce = claims.ReadBytes("cti (7)"); break;
                case ClaimLabels.SequenceHash: sequenceHash = claims.ReadBytes("sequence hash (-65539)"); break;
                default: throw claims.Fail($"unknown claim {label}");
            }
        }
        if (issuedAt is null) throw claims.Fail("claim iat (6) is missing");
        if (nonce is null) throw claims.Fail("claim cti (7) is missing");
        if (sequenceHash is null) throw claims.Fail("claim sequence hash (-65539) is missing");
        if (nonce.Length != ClaimLabels.NonceBytes) throw claims.Fail($"claim cti (7) must be {ClaimLabels.NonceBytes} bytes, got {nonce.Length}");
        if (sequenceHash.Length != ClaimLabels.HashBytes)
            throw claims.Fail($"claim sequence hash (-65539) must be {ClaimLabels.HashBytes} bytes, got {sequenceHash.Length}");
        return (issuedAt.Value, nonce, sequenceHash);
    }
}
