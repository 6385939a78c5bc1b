using System.Numerics;

namespace PromiseGrid.Core.Capabilities.Internal;

/// <summary>
/// The two facts about the NIST P-256 curve the token format needs without an <c>ECDsa</c> object:
/// whether 65 bytes are a point on the curve (so decoding can reject bad keys before any key
/// import), and the low-S rule that makes each ES256 signature's bytes unique.
/// </summary>
/// <remarks>
/// Why low-S: for every valid ECDSA signature (r, s), (r, n - s) is valid too. Links are named by
/// the hash of their bytes (revocation, parent claims), so without one canonical s a holder could
/// flip s on a revoked leaf link and get a "new" link with a fresh hash. Signing normalises s to
/// the lower half and verification refuses the upper half (as Bitcoin's BIP 146 does).
/// </remarks>
internal static class P256
{
    public const int PointBytes = 65;
    public const int CoordinateBytes = 32;

    private static readonly BigInteger Prime = Parse("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    private static readonly BigInteger B = Parse("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
    private static readonly BigInteger Order = Parse("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

    /// <summary>n / 2, big-endian: the largest s a canonical signature may carry.</summary>
    private static readonly byte[] HalfOrder = Convert.FromHexString("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8");

    /// <summary>Null when <paramref name="point"/> is a SEC1 uncompressed P-256 point, else why not.</summary>
    public static string? CheckPoint(ReadOnlySpan<byte> point)
    {
        if (point.Length != PointBytes)
            return $"a public key must be a {PointBytes}-byte uncompressed P-256 point (0x04||X||Y), got {point.Length} bytes";
        if (point[0] != 0x04)
            return $"a public key must be an uncompressed point starting with 0x04, got 0x{point[0]:x2}";
        var x = Unsigned(point.Slice(1, CoordinateBytes));
        var y = Unsigned(point.Slice(1 + CoordinateBytes, CoordinateBytes));
        if (x >= Prime || y >= Prime) return "the public key's coordinates are not field elements of P-256";
        // y^2 = x^3 - 3x + b (mod p); P-256 has cofactor 1, so a point on the curve is in the group.
        var left = BigInteger.ModPow(y, 2, Prime);
        var right = ((BigInteger.ModPow(x, 3, Prime) - 3 * x + B) % Prime + Prime) % Prime;
        return left == right ? null : "the public key is not a point on P-256";
    }

    /// <summary>True when the s half of a 64-byte r||s signature is at most n/2.</summary>
    public static bool IsLowS(ReadOnlySpan<byte> signature) =>
        signature.Length == 2 * CoordinateBytes && signature[CoordinateBytes..].SequenceCompareTo(HalfOrder) <= 0;

    /// <summary>Replaces s by n - s in place when s is in the upper half; the signature stays valid.</summary>
    public static void NormalizeLowS(Span<byte> signature)
    {
        if (IsLowS(signature)) return;
        var s = signature[CoordinateBytes..];
        var low = Order - Unsigned(s);
        s.Clear();
        var length = low.GetByteCount(isUnsigned: true);
        low.TryWriteBytes(s[(CoordinateBytes - length)..], out _, isUnsigned: true, isBigEndian: true);
    }

    private static BigInteger Unsigned(ReadOnlySpan<byte> bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    private static BigInteger Parse(string hex) => Unsigned(Convert.FromHexString(hex));
}
