using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace PromiseGrid.Core.Content;

/// <summary>
/// A content identifier as upstream PromiseGrid and IPFS compute it for a raw blob: CIDv1, codec
/// raw (0x55), a sha2-256 multihash (0x12, 32 bytes), written in multibase base32 lower-case
/// without padding, with the <c>b</c> prefix (README.md#the-store):
/// <c>"hello world\n"</c> is <c>bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4</c>.
/// </summary>
/// <remarks>
/// <para>Binary form (36 bytes): <c>0x01 0x55 0x12 0x20</c> and the SHA-256 digest. The leading
/// fields are unsigned varints (multiformats), each a single byte for these values.</para>
/// <para>Parsing accepts exactly that form and spelling, so two CIDs are equal exactly when their
/// texts are: another version, codec, hash or multibase, non-canonical base32 and trailing
/// bytes are refused with a <see cref="CidFormatException"/> that names the fault.</para>
/// </remarks>
public sealed class Cid : IEquatable<Cid>
{
    /// <summary>The CID version this grid uses.</summary>
    public const int Version = 1;

    /// <summary>Multicodec of raw bytes: the blob is the content, with no IPLD structure.</summary>
    public const int RawCodec = 0x55;

    /// <summary>Multihash code of sha2-256.</summary>
    public const int Sha256Code = 0x12;

    /// <summary>Length of a sha2-256 digest.</summary>
    public const int DigestLength = 32;

    /// <summary>Length of the binary CID: four one-byte varints and the digest.</summary>
    public const int ByteLength = 4 + DigestLength;

    /// <summary>Length of the text: the multibase prefix and 58 base32 characters.</summary>
    public const int TextLength = 59;

    /// <summary>The multibase prefix of base32 lower-case.</summary>
    public const char MultibasePrefix = 'b';

    /// <summary>How much of a refused text an error message quotes.</summary>
    private const int ShownChars = 80;

    private readonly byte[] _digest;
    private string? _text;

    private Cid(byte[] digest) => _digest = digest;

    /// <summary>The CID of <paramref name="content"/>.</summary>
    public static Cid Of(ReadOnlySpan<byte> content)
    {
        var digest = new byte[DigestLength];
        SHA256.HashData(content, digest);
        return new Cid(digest);
    }

    /// <summary>The CID of the content whose SHA-256 is <paramref name="sha256"/> (say from an <see cref="IncrementalHash"/> over a stream).</summary>
    public static Cid FromDigest(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != DigestLength)
            throw new ArgumentException($"a sha2-256 digest has {DigestLength} bytes, not {sha256.Length}", nameof(sha256));
        return new Cid(sha256.ToArray());
    }

    /// <summary>The SHA-256 digest of the content.</summary>
    public ReadOnlySpan<byte> Digest => _digest;

    /// <summary>True when <paramref name="content"/> is the content this CID names.</summary>
    public bool Matches(ReadOnlySpan<byte> content)
    {
        Span<byte> digest = stackalloc byte[DigestLength];
        SHA256.HashData(content, digest);
        return digest.SequenceEqual(_digest);
    }

    /// <summary>The binary CID (<see cref="ByteLength"/> bytes).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        WriteBytes(bytes);
        return bytes;
    }

    /// <summary>The text, <c>b</c> and 58 base32 characters.</summary>
    public override string ToString() => _text ??= Format();

    /// <summary>The text as ASCII bytes, e.g. to append to <c>store/get/</c>.</summary>
    public byte[] ToAscii() => Encoding.ASCII.GetBytes(ToString());

    /// <summary>Parses CID text; throws <see cref="CidFormatException"/> naming the fault.</summary>
    public static Cid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, Shown(text), out var cid, out var error) ? cid : throw error;
    }

    /// <summary>Parses CID text given as ASCII bytes (say the rest of a <c>store/get/</c> sequence).</summary>
    public static Cid Parse(ReadOnlySpan<byte> ascii)
    {
        // Latin-1 maps each byte to the char of the same value, so a stray byte is reported as itself.
        var text = Encoding.Latin1.GetString(ascii);
        return TryParse(text, SequenceText.Format(ascii, ShownChars), out var cid, out var error) ? cid : throw error;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Cid? cid)
    {
        cid = null;
        return text is not null && TryParse(text, "", out cid, out _);
    }

    private static bool TryParse(string text, string shown, [NotNullWhen(true)] out Cid? cid, [NotNullWhen(false)] out CidFormatException? error)
    {
        cid = null;
        error = null;
        if (text.Length == 0) return Fail("empty text", false, out error, shown);
        if (text[0] != MultibasePrefix)
        {
            if (text.StartsWith("Qm", StringComparison.Ordinal))
                return Fail("CIDv0 (base58btc, 'Qm...') is not served: use the CIDv1 text ('b...')", true, out error, shown);
            var name = MultibaseName(text[0]);
            return name is null
                ? Fail($"multibase prefix {Describe(text[0])} is not 'b' (base32 lower-case)", false, out error, shown)
                : Fail($"multibase prefix {Describe(text[0])} ({name}) is not 'b' (base32 lower-case)", true, out error, shown);
        }
        var bytes = Base32.TryDecode(text.AsSpan(1), 1, out var reason);
        if (bytes is null) return Fail(reason!, false, out error, shown);
        if (bytes.Length == 0) return Fail("nothing after the multibase prefix", false, out error, shown);

        var at = 0;
        if (!TryReadVarint(bytes, ref at, "CID version", out var version, out reason)) return Fail(reason!, false, out error, shown);
        if (version != Version) return Fail($"CID version {version} is not 1", true, out error, shown);
        if (!TryReadVarint(bytes, ref at, "CID codec", out var codec, out reason)) return Fail(reason!, false, out error, shown);
        if (codec != RawCodec)
            return Fail($"CID codec 0x{codec:x2}{Named(CodecName(codec))} is not raw (0x55)", true, out error, shown);
        if (!TryReadVarint(bytes, ref at, "multihash code", out var hash, out reason)) return Fail(reason!, false, out error, shown);
        if (hash != Sha256Code)
            return Fail($"multihash code 0x{hash:x2}{Named(HashName(hash))} is not sha2-256 (0x12)", true, out error, shown);
        if (!TryReadVarint(bytes, ref at, "multihash digest length", out var length, out reason)) return Fail(reason!, false, out error, shown);
        if (length != DigestLength) return Fail($"sha2-256 digest length {length} is not {DigestLength}", false, out error, shown);
        var left = bytes.Length - at;
        if (left < DigestLength) return Fail($"the digest has {left} bytes, not {DigestLength}", false, out error, shown);
        if (left > DigestLength) return Fail($"{left - DigestLength} bytes after the {DigestLength}-byte digest", false, out error, shown);
        cid = new Cid(bytes[at..]) { _text = text };
        return true;
    }

    private static bool Fail(string reason, bool unsupported, out CidFormatException error, string shown)
    {
        error = new CidFormatException(shown, reason, unsupported);
        return false;
    }

    /// <summary>A multiformats unsigned varint: 7 bits a byte, low group first, at most 9 bytes, no redundant zero groups.</summary>
    private static bool TryReadVarint(byte[] bytes, ref int at, string field, out ulong value, out string? reason)
    {
        value = 0;
        for (var i = 0; i < 9; i++)
        {
            if (at >= bytes.Length)
            {
                reason = $"the {field} is missing or cut short";
                return false;
            }
            var b = bytes[at++];
            value |= (ulong)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    reason = $"the {field} is not a minimal varint";
                    return false;
                }
                reason = null;
                return true;
            }
        }
        reason = $"the {field} is a varint longer than 9 bytes";
        return false;
    }

    private string Format() => string.Create(TextLength, this, static (chars, cid) =>
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        cid.WriteBytes(bytes);
        chars[0] = MultibasePrefix;
        Base32.Encode(bytes, chars[1..]);
    });

    private void WriteBytes(Span<byte> bytes)
    {
        bytes[0] = Version;
        bytes[1] = RawCodec;
        bytes[2] = Sha256Code;
        bytes[3] = DigestLength;
        _digest.CopyTo(bytes[4..]);
    }

    private static string Shown(string text) =>
        text.Length <= ShownChars ? text : $"{text[..ShownChars]}{SequenceText.Ellipsis}({text.Length} chars)";

    private static string Describe(char c) => c is >= (char)0x21 and <= (char)0x7e ? $"'{c}'" : $"U+{(int)c:X4}";

    private static string Named(string? name) => name is null ? "" : $" ({name})";

    private static string? MultibaseName(char prefix) => prefix switch
    {
        'B' => "base32 upper-case",
        'c' => "base32 padded",
        'f' => "base16",
        'F' => "base16 upper-case",
        'k' => "base36",
        'm' => "base64",
        'u' => "base64url",
        'z' => "base58btc",
        _ => null,
    };

    private static string? CodecName(ulong codec) => codec switch
    {
        0x51 => "cbor",
        0x70 => "dag-pb",
        0x71 => "dag-cbor",
        0x72 => "libp2p-key",
        0x78 => "git-raw",
        0x0129 => "dag-json",
        0x0200 => "json",
        _ => null,
    };

    private static string? HashName(ulong code) => code switch
    {
        0x00 => "identity",
        0x11 => "sha1",
        0x13 => "sha2-512",
        0x16 => "sha3-256",
        0x1b => "keccak-256",
        0x1e => "blake3",
        0x56 => "dbl-sha2-256",
        0xb220 => "blake2b-256",
        _ => null,
    };

    public bool Equals(Cid? other) => other is not null && _digest.AsSpan().SequenceEqual(other._digest);

    public override bool Equals(object? obj) => obj is Cid other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(_digest, 0);

    public static bool operator ==(Cid? left, Cid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Cid? left, Cid? right) => !(left == right);
}
