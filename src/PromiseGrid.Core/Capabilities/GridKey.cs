using System.Buffers.Text;
using System.Security.Cryptography;
using PromiseGrid.Core.Capabilities.Internal;

namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// An ES256 key (ECDSA on NIST P-256 with SHA-256): a token issuer's, a holder's, or a node's.
/// </summary>
/// <remarks>
/// <para>Text forms: the public key is the 65-byte SEC1 uncompressed point <c>0x04||X||Y</c>,
/// written as base64url without padding (87 characters, <see cref="PublicKeyText"/>). A private key
/// is stored as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>, what
/// <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256</c> writes); public keys may
/// also be read from SPKI PEM (<c>-----BEGIN PUBLIC KEY-----</c>) and private keys from SEC1 PEM
/// (<c>-----BEGIN EC PRIVATE KEY-----</c>, what <c>openssl ecparam -genkey</c> writes).</para>
/// <para>The underlying <see cref="ECDsa"/> is not documented as thread-safe; share a
/// <see cref="GridKey"/> across threads only for verification, or give each thread its own.</para>
/// </remarks>
public sealed class GridKey : IDisposable
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private GridKey(ECDsa ecdsa, bool hasPrivateKey)
    {
        Ecdsa = ecdsa;
        HasPrivateKey = hasPrivateKey;
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != P256Oid)
        {
            ecdsa.Dispose();
            throw new CapabilityException(
                $"the key is on curve {parameters.Curve.Oid?.FriendlyName ?? parameters.Curve.Oid?.Value ?? "(unnamed)"}; ES256 needs P-256 (prime256v1)");
        }
        var point = new byte[P256.PointBytes];
        point[0] = 0x04;
        parameters.Q.X!.CopyTo(point, 1);
        parameters.Q.Y!.CopyTo(point, 1 + P256.CoordinateBytes);
        PublicKey = point;
        PublicKeyText = Base64Url.EncodeToString(point);
    }

    /// <summary>True when this key can sign (it was generated or read from a private key PEM).</summary>
    public bool HasPrivateKey { get; }

    /// <summary>The 65-byte uncompressed point; the caller must not change the array.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The public key as base64url without padding: how tokens and PG_TRUST name keys.</summary>
    public string PublicKeyText { get; }

    internal ECDsa Ecdsa { get; }

    /// <summary>A fresh random P-256 key pair.</summary>
    public static GridKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), hasPrivateKey: true);

    /// <summary>Reads a PKCS#8 or SEC1 private key, or an SPKI public key, from PEM text.</summary>
    public static GridKey FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
            throw new CapabilityException($"not an EC key in PEM form: {OneLine(e.Message)}");
        }
        return new GridKey(ecdsa, HasPrivatePart(ecdsa));
    }

    /// <summary>A verification-only key from a 65-byte uncompressed point.</summary>
    /// <exception cref="CapabilityException">The bytes are not a point on P-256.</exception>
    public static GridKey FromPublicKey(ReadOnlySpan<byte> point)
    {
        if (P256.CheckPoint(point) is { } problem) throw new CapabilityException(problem);
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = point.Slice(1, P256.CoordinateBytes).ToArray(),
                Y = point.Slice(1 + P256.CoordinateBytes, P256.CoordinateBytes).ToArray(),
            },
        };
        try
        {
            return new GridKey(ECDsa.Create(parameters), hasPrivateKey: false);
        }
        catch (CryptographicException e)
        {
            throw new CapabilityException($"the public key is not a point on P-256: {OneLine(e.Message)}");
        }
    }

    /// <summary>
    /// A public key from its text: base64url of the point, or any PEM this class reads (a private
    /// key PEM gives its public half; the result never holds a private key).
    /// </summary>
    public static GridKey ParsePublic(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            using var full = FromPem(trimmed);
            return FromPublicKey(full.PublicKey);
        }
        if (trimmed.Length == 0) throw new CapabilityException("the key text is empty");
        byte[] point;
        try
        {
            point = Base64Url.DecodeFromChars(trimmed);
        }
        catch (FormatException)
        {
            throw new CapabilityException($"'{Shorten(trimmed)}' is not a public key: expected base64url of a 65-byte P-256 point, or a PEM");
        }
        return FromPublicKey(point);
    }

    /// <summary>
    /// A key from a file (PEM, or a public key text inside) or, when no such file exists, from the
    /// text itself. A private key PEM keeps its private part.
    /// </summary>
    public static GridKey Load(string pathOrText)
    {
        ArgumentNullException.ThrowIfNull(pathOrText);
        var trimmed = pathOrText.Trim();
        if (trimmed.Length > 0 && !trimmed.Contains("-----BEGIN", StringComparison.Ordinal) && File.Exists(trimmed))
        {
            var content = File.ReadAllText(trimmed);
            try
            {
                return content.Contains("-----BEGIN", StringComparison.Ordinal) ? FromPem(content) : ParsePublic(content);
            }
            catch (CapabilityException e)
            {
                throw new CapabilityException($"key file '{trimmed}': {e.Reason}");
            }
        }
        if (trimmed.Contains("-----BEGIN", StringComparison.Ordinal)) return FromPem(trimmed);
        try
        {
            return ParsePublic(trimmed);
        }
        catch (CapabilityException) when (LooksLikePath(trimmed))
        {
            throw new CapabilityException($"'{Shorten(trimmed)}' is neither a readable key file nor a key text");
        }
    }

    /// <summary>PKCS#8 PEM of the private key (openssl reads it).</summary>
    public string ToPrivatePem() =>
        HasPrivateKey ? Ecdsa.ExportPkcs8PrivateKeyPem() : throw new CapabilityException("this key has no private part");

    /// <summary>SPKI PEM of the public key.</summary>
    public string ToPublicPem() => Ecdsa.ExportSubjectPublicKeyInfoPem();

    /// <summary>ES256 signature (64-byte r||s) over <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) =>
        HasPrivateKey ? Ecdsa.SignData(data, HashAlgorithmName.SHA256) : throw new CapabilityException("this key has no private part");

    /// <summary>True when <paramref name="signature"/> (64-byte r||s) is this key's over <paramref name="data"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        Ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256);

    public void Dispose() => Ecdsa.Dispose();

    public override string ToString() => PublicKeyText;

    private static bool HasPrivatePart(ECDsa ecdsa)
    {
        try
        {
            var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
            var present = parameters.D is { Length: > 0 };
            if (parameters.D is not null) CryptographicOperations.ZeroMemory(parameters.D);
            return present;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    // Base64url never contains these, so a text with them was meant as a file name.
    private static bool LooksLikePath(string text) =>
        text.Contains('/') || text.Contains('\\') || text.Contains('.');

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
