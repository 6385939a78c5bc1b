using System.Formats.Cbor;
using System.Numerics;
using System.Security.Cryptography;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// A second implementation of the capability format written from docs/capabilities.md alone:
/// System.Formats.Cbor (in lax mode, so every byte order below is this class's own doing) and
/// ECDsa, and no type of PromiseGrid.Core and no CoseSign1Message. It writes the Sig_structure,
/// signs it and puts s in the low half itself. If the node's verifier accepts what this class
/// mints, another implementation can interoperate from the document.
/// </summary>
internal static class SpecMinter
{
    /// <summary>docs/capabilities.md, "The COSE_Sign1 envelope": <c>{1: -7}</c> as bytes.</summary>
    public static readonly byte[] ProtectedHeader = [0xa1, 0x01, 0x26];

    private static readonly BigInteger Order = new(
        Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"), isUnsigned: true, isBigEndian: true);

    /// <summary>A P-256 key from the document's raw d, x, y (hex).</summary>
    public static ECDsa Key(string dHex, string xHex, string yHex) => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        D = Convert.FromHexString(dHex),
        Q = new ECPoint { X = Convert.FromHexString(xHex), Y = Convert.FromHexString(yHex) },
    });

    /// <summary>The 65-byte public point 0x04||X||Y.</summary>
    public static byte[] Point(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    /// <summary>base64url (RFC 4648 §5) without padding.</summary>
    public static string B64(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A link's claims, labels in the document's order: 1, 3, 4, 5, 6, 7, -65537, -65538.</summary>
    public static byte[] LinkPayload(string iss, string? aud, long exp, long nbf, long iat, byte[] cti, byte[] prefix, byte[]? parent)
    {
        var w = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        w.WriteStartMap(6 + (aud is null ? 0 : 1) + (parent is null ? 0 : 1));
        w.WriteInt64(1); w.WriteTextString(iss);
        if (aud is not null) { w.WriteInt64(3); w.WriteTextString(aud); }
        w.WriteInt64(4); w.WriteInt64(exp);
        w.WriteInt64(5); w.WriteInt64(nbf);
        w.WriteInt64(6); w.WriteInt64(iat);
        w.WriteInt64(7); w.WriteByteString(cti);
        w.WriteInt64(-65537); w.WriteByteString(prefix);
        if (parent is not null) { w.WriteInt64(-65538); w.WriteByteString(parent); }
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>A holder proof's claims: 6 iat, 7 cti, -65539 SHA-256 of the sequence.</summary>
    public static byte[] ProofPayload(long iat, byte[] cti, byte[] sequence)
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartMap(3);
        w.WriteInt64(6); w.WriteInt64(iat);
        w.WriteInt64(7); w.WriteByteString(cti);
        w.WriteInt64(-65539); w.WriteByteString(SHA256.HashData(sequence));
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>A revocation statement's fields: 1 link hash, 2 iat, 3 the chain, 4 the signer's point.</summary>
    public static byte[] StatementPayload(byte[] linkHash, long iat, byte[] chain, byte[] signer)
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartMap(4);
        w.WriteInt64(1); w.WriteByteString(linkHash);
        w.WriteInt64(2); w.WriteInt64(iat);
        w.WriteInt64(3); w.WriteByteString(chain);
        w.WriteInt64(4); w.WriteByteString(signer);
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>RFC 9052 §4.4 Sig_structure: ["Signature1", h'a10126', h'', payload].</summary>
    public static byte[] ToBeSigned(byte[] payload)
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartArray(4);
        w.WriteTextString("Signature1");
        w.WriteByteString(ProtectedHeader);
        w.WriteByteString([]);
        w.WriteByteString(payload);
        w.WriteEndArray();
        return w.Encode();
    }

    /// <summary>18([h'a10126', {}, payload, r||s]) with s in the low half.</summary>
    public static byte[] Sign1(ECDsa key, byte[] payload)
    {
        var signature = key.SignData(ToBeSigned(payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return Envelope(payload, LowS(signature));
    }

    /// <summary>The envelope around a given signature (any bytes), for the documented refusals.</summary>
    public static byte[] Envelope(byte[] payload, byte[] signature, bool tagged = true, int unprotectedEntries = 0)
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        if (tagged) w.WriteTag((CborTag)18);
        w.WriteStartArray(4);
        w.WriteByteString(ProtectedHeader);
        w.WriteStartMap(unprotectedEntries);
        for (var i = 0; i < unprotectedEntries; i++) { w.WriteInt64(4); w.WriteByteString([0x6b]); } // 4: kid
        w.WriteEndMap();
        w.WriteByteString(payload);
        w.WriteByteString(signature);
        w.WriteEndArray();
        return w.Encode();
    }

    /// <summary>A token: the definite-length array of the links' bytes.</summary>
    public static byte[] Token(params byte[][] links)
    {
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartArray(links.Length);
        foreach (var link in links) w.WriteEncodedValue(link);
        w.WriteEndArray();
        return w.Encode();
    }

    /// <summary>s replaced by n - s when s &gt; n/2 (<paramref name="high"/>: the other way round).</summary>
    public static byte[] LowS(byte[] signature, bool high = false)
    {
        var copy = signature.ToArray();
        var s = new BigInteger(copy.AsSpan(32), isUnsigned: true, isBigEndian: true);
        if (s > Order / 2 != high)
        {
            var flipped = Order - s;
            copy.AsSpan(32).Clear();
            flipped.TryWriteBytes(copy.AsSpan(64 - flipped.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        }
        return copy;
    }

    /// <summary>The signature (last 64 bytes) of an envelope this class made.</summary>
    public static byte[] SignatureOf(byte[] envelope) => envelope[^64..];
}
