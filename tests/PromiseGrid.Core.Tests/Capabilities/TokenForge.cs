using System.Buffers.Text;
using System.Formats.Cbor;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// Builds token links straight from the written format (the doc comment on
/// <see cref="CapabilityToken"/>), with System.Formats.Cbor and CoseSign1Message and none of the
/// library's own encoding code. Tests use it to make the chains the library refuses to make
/// (a prefix that widens, a child that outlives its parent, a delegated bearer link, ...) and,
/// because a forged valid chain must verify, it pins the format from the outside.
/// </summary>
internal static class TokenForge
{
    public const long Iss = 1, Aud = 3, Exp = 4, Nbf = 5, Iat = 6, Cti = 7, Prefix = -65537, Parent = -65538;

    private static readonly BigInteger Order = new(
        Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"), isUnsigned: true, isBigEndian: true);

    public static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset End = Start.AddDays(30);

    /// <summary>The claims of a well-formed link; tests change or remove entries before signing.</summary>
    public static SortedDictionary<long, object> Claims(
        GridKey issuer, GridKey? holder, string prefix, byte[]? parent = null, DateTimeOffset? notBefore = null, DateTimeOffset? expires = null)
    {
        var claims = new SortedDictionary<long, object>
        {
            [Iss] = issuer.PublicKeyText,
            [Exp] = (expires ?? End).ToUnixTimeSeconds(),
            [Nbf] = (notBefore ?? Start).ToUnixTimeSeconds(),
            [Iat] = Start.ToUnixTimeSeconds(),
            [Cti] = RandomNumberGenerator.GetBytes(16),
            [Prefix] = SequenceText.Parse(prefix).Span.ToArray(),
        };
        if (holder is not null) claims[Aud] = holder.PublicKeyText;
        if (parent is not null) claims[Parent] = parent;
        return claims;
    }

    /// <summary>A CBOR map of the claims: string → tstr, long → int, byte[] → bstr.</summary>
    public static byte[] EncodeClaims(IReadOnlyDictionary<long, object> claims)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(claims.Count);
        foreach (var (label, value) in claims)
        {
            writer.WriteInt64(label);
            switch (value)
            {
                case string text: writer.WriteTextString(text); break;
                case long number: writer.WriteInt64(number); break;
                case int number: writer.WriteInt32(number); break;
                case byte[] bytes: writer.WriteByteString(bytes); break;
                case double real: writer.WriteDouble(real); break;
                default: throw new ArgumentException($"cannot encode {value.GetType()}");
            }
        }
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>A tagged COSE_Sign1 with ES256 over the payload, s normalised to the low half.</summary>
    public static byte[] Sign(GridKey signer, byte[] payload)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(signer.ToPrivatePem());
        var encoded = CoseSign1Message.SignEmbedded(payload, new CoseSigner(ecdsa, HashAlgorithmName.SHA256));
        var signature = encoded.AsSpan(encoded.Length - 64);
        var s = new BigInteger(signature[32..], isUnsigned: true, isBigEndian: true);
        if (s > Order / 2) WriteS(signature, Order - s);
        return encoded;
    }

    public static byte[] Link(GridKey signer, IReadOnlyDictionary<long, object> claims) => Sign(signer, EncodeClaims(claims));

    /// <summary>A token: the definite-length CBOR array of the links.</summary>
    public static byte[] Token(params byte[][] links)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(links.Length);
        foreach (var link in links) writer.WriteEncodedValue(link);
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <summary>The links of a token, each exactly as encoded.</summary>
    public static byte[][] Links(byte[] token)
    {
        var reader = new CborReader(token);
        var count = reader.ReadStartArray()!.Value;
        var links = new byte[count][];
        for (var i = 0; i < count; i++) links[i] = reader.ReadEncodedValue().ToArray();
        return links;
    }

    public static byte[] Hash(byte[] link) => SHA256.HashData(link);

    /// <summary>The link re-encoded with another signature byte string (any length).</summary>
    public static byte[] WithSignature(byte[] link, byte[] signature)
    {
        var (protectedHeader, payload, _) = Parts(link);
        return Encode(protectedHeader, payload, signature);
    }

    /// <summary>The link's signature as r||s.</summary>
    public static byte[] SignatureOf(byte[] link) => Parts(link).Signature;

    /// <summary>The same signature with s replaced by n - s: still a valid ECDSA signature.</summary>
    public static byte[] HighS(byte[] signature)
    {
        var copy = signature.ToArray();
        var s = new BigInteger(copy.AsSpan(32), isUnsigned: true, isBigEndian: true);
        WriteS(copy, Order - s);
        return copy;
    }

    public static (byte[] ProtectedHeader, byte[] Payload, byte[] Signature) Parts(byte[] link)
    {
        var reader = new CborReader(link);
        reader.ReadTag();
        reader.ReadStartArray();
        var protectedHeader = reader.ReadByteString();
        reader.SkipValue();
        var payload = reader.ReadByteString();
        var signature = reader.ReadByteString();
        return (protectedHeader, payload, signature);
    }

    public static byte[] Encode(byte[] protectedHeader, byte[] payload, byte[] signature, int unprotectedEntries = 0)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteTag((CborTag)18);
        writer.WriteStartArray(4);
        writer.WriteByteString(protectedHeader);
        writer.WriteStartMap(unprotectedEntries);
        for (var i = 0; i < unprotectedEntries; i++)
        {
            writer.WriteInt32(1000 + i);
            writer.WriteInt32(i);
        }
        writer.WriteEndMap();
        writer.WriteByteString(payload);
        writer.WriteByteString(signature);
        writer.WriteEndArray();
        return writer.Encode();
    }

    public static string Text(byte[] bytes) => Base64Url.EncodeToString(bytes);

    private static void WriteS(Span<byte> signature, BigInteger s)
    {
        var target = signature[32..];
        target.Clear();
        var length = s.GetByteCount(isUnsigned: true);
        s.TryWriteBytes(target[(32 - length)..], out _, isUnsigned: true, isBigEndian: true);
    }
}
