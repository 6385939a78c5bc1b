using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PromiseGrid.Core.Content;
using Xunit;

namespace PromiseGrid.Core.Tests.Content;

public class CidTests
{
    private const string HelloWorldCid = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";
    private const string EmptyCid = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    // ---- the vectors of README.md#the-store (as upstream PromiseGrid and IPFS compute them) ----

    [Theory]
    [InlineData("hello world\n", HelloWorldCid)]
    [InlineData("", EmptyCid)]
    public void The_cid_of_content_is_the_upstream_vector(string content, string expected)
    {
        var cid = Cid.Of(Encoding.ASCII.GetBytes(content));

        Assert.Equal(expected, cid.ToString());
        Assert.Equal(Cid.TextLength, cid.ToString().Length);
    }

    [Fact]
    public void The_binary_form_is_version_codec_multihash_code_length_and_the_sha256_digest()
    {
        var content = "hello world\n"u8.ToArray();

        var bytes = Cid.Of(content).ToBytes();

        Assert.Equal(new byte[] { 0x01, 0x55, 0x12, 0x20 }, bytes[..4]);
        Assert.Equal(SHA256.HashData(content), bytes[4..]);
        Assert.Equal(Cid.ByteLength, bytes.Length);
        // An independent base32 encoder gives the same text.
        Assert.Equal(HelloWorldCid, "b" + TestBase32(bytes));
    }

    [Fact]
    public void Digest_is_the_sha256_of_the_content_and_from_digest_rebuilds_the_same_cid()
    {
        var content = "hello world\n"u8.ToArray();
        var cid = Cid.Of(content);

        Assert.Equal(SHA256.HashData(content), cid.Digest.ToArray());
        Assert.Equal(cid, Cid.FromDigest(SHA256.HashData(content)));
        Assert.Equal(HelloWorldCid, Cid.FromDigest(SHA256.HashData(content)).ToString());
        Assert.Throws<ArgumentException>(() => Cid.FromDigest(new byte[31]));
    }

    [Fact]
    public void Matches_accepts_the_content_and_refuses_any_other()
    {
        var cid = Cid.Parse(HelloWorldCid);

        Assert.True(cid.Matches("hello world\n"u8));
        Assert.False(cid.Matches("hello world"u8));
        Assert.False(cid.Matches("hello world\n\0"u8));
        Assert.False(cid.Matches([]));
        Assert.True(Cid.Parse(EmptyCid).Matches([]));
    }

    // ---- round trips ----

    [Property]
    public Property Any_content_cid_round_trips_through_text_and_ascii_bytes()
    {
        return Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), content =>
        {
            var cid = Cid.Of(content);
            var text = cid.ToString();

            Assert.StartsWith("bafkrei", text);
            Assert.Equal(cid, Cid.Parse(text));
            Assert.Equal(text, Cid.Parse(text).ToString());
            Assert.Equal(cid, Cid.Parse(Encoding.ASCII.GetBytes(text)));
            Assert.Equal(Encoding.ASCII.GetBytes(text), cid.ToAscii());
            Assert.True(Cid.TryParse(text, out var parsed));
            Assert.Equal(cid, parsed);
            Assert.True(Cid.Parse(text).Matches(content));
        });
    }

    [Fact]
    public void Equal_cids_are_equal_and_hash_alike_and_different_content_gives_different_cids()
    {
        var a = Cid.Of("a"u8);
        var again = Cid.Parse(a.ToString());
        var b = Cid.Of("b"u8);

        Assert.True(a == again);
        Assert.Equal(a.GetHashCode(), again.GetHashCode());
        Assert.True(a != b);
        Assert.NotEqual(a.ToString(), b.ToString());
        Assert.False(a.Equals(null));
    }

    // ---- bad CIDs, each with its message ----

    [Theory]
    [InlineData("", "'' is not a CID: empty text")]
    [InlineData("b", "'b' is not a CID: nothing after the multibase prefix")]
    [InlineData("xafkrei", "'xafkrei' is not a CID: multibase prefix 'x' is not 'b' (base32 lower-case)")]
    [InlineData(" bafkrei", "' bafkrei' is not a CID: multibase prefix U+0020 is not 'b' (base32 lower-case)")]
    [InlineData("bxyz", "'bxyz' is not a CID: 3 base32 characters do not make whole bytes")]
    [InlineData("bafkrei1", "'bafkrei1' is not a CID: '1' at position 7 is not a base32 lower-case character (a-z, 2-7)")]
    [InlineData("bAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4",
        "'bAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4' is not a CID: 'A' at position 1 is not a base32 lower-case character (a-z, 2-7)")]
    [InlineData("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei=",
        "'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei=' is not a CID: '=' at position 58 is not a base32 lower-case character (a-z, 2-7)")]
    public void Text_that_is_not_base32_cid_text_is_refused_naming_the_fault(string text, string message)
    {
        var error = Assert.Throws<CidFormatException>(() => Cid.Parse(text));

        Assert.Equal(message, error.Message);
        Assert.False(error.IsUnsupported);
        Assert.False(Cid.TryParse(text, out _));
    }

    [Fact]
    public void Non_zero_padding_bits_are_refused_so_each_cid_has_one_spelling()
    {
        // '4' ends in two zero padding bits; '5' is the same bytes with a padding bit set.
        var respelled = HelloWorldCid[..^1] + "5";

        var error = Assert.Throws<CidFormatException>(() => Cid.Parse(respelled));

        Assert.Equal($"'{respelled}' is not a CID: the last base32 character has non-zero padding bits", error.Message);
    }

    [Theory]
    [InlineData("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", "multibase prefix 'z' (base58btc) is not 'b' (base32 lower-case)")]
    [InlineData("BAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4", "multibase prefix 'B' (base32 upper-case) is not 'b' (base32 lower-case)")]
    [InlineData("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", "CIDv0 (base58btc, 'Qm...') is not served: use the CIDv1 text ('b...')")]
    public void Cids_in_other_multibases_or_cidv0_are_refused_as_not_served(string text, string reason)
    {
        var error = Assert.Throws<CidFormatException>(() => Cid.Parse(text));

        Assert.Equal($"'{text}' is not a CID this grid serves: {reason}", error.Message);
        Assert.Equal(reason, error.Reason);
        Assert.True(error.IsUnsupported);
    }

    public static TheoryData<byte[], string, bool> BadBinaryCids()
    {
        var digest = SHA256.HashData("hello world\n"u8);
        byte[] Cid(params byte[] head) => [.. head, .. digest];
        return new TheoryData<byte[], string, bool>
        {
            { Cid(0x02, 0x55, 0x12, 0x20), "CID version 2 is not 1", true },
            { Cid(0x12, 0x20), "CID version 18 is not 1", true },
            { Cid(0x01, 0x70, 0x12, 0x20), "CID codec 0x70 (dag-pb) is not raw (0x55)", true },
            { Cid(0x01, 0x71, 0x12, 0x20), "CID codec 0x71 (dag-cbor) is not raw (0x55)", true },
            { Cid(0x01, 0xa9, 0x02, 0x12, 0x20), "CID codec 0x129 (dag-json) is not raw (0x55)", true },
            { Cid(0x01, 0x60, 0x12, 0x20), "CID codec 0x60 is not raw (0x55)", true },
            { Cid(0x01, 0x55, 0x13, 0x20), "multihash code 0x13 (sha2-512) is not sha2-256 (0x12)", true },
            { Cid(0x01, 0x55, 0x1e, 0x20), "multihash code 0x1e (blake3) is not sha2-256 (0x12)", true },
            { [0x01, 0x55, 0x12, 0x1f, .. digest[..31]], "sha2-256 digest length 31 is not 32", false },
            { [0x01, 0x55, 0x12, 0x20, .. digest[..20]], "the digest has 20 bytes, not 32", false },
            { [0x01, 0x55, 0x12, 0x20, .. digest, 0x00, 0x01, 0x02], "3 bytes after the 32-byte digest", false },
            { Cid(0x01, 0xd5, 0x00, 0x12, 0x20), "the CID codec is not a minimal varint", false },
            { [0x01], "the CID codec is missing or cut short", false },
            { [0x01, 0x55, 0x12], "the multihash digest length is missing or cut short", false },
            { [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], "the CID codec is a varint longer than 9 bytes", false },
        };
    }

    [Theory]
    [MemberData(nameof(BadBinaryCids))]
    public void Binary_faults_are_refused_naming_the_field(byte[] binary, string reason, bool unsupported)
    {
        var text = "b" + TestBase32(binary);

        var error = Assert.Throws<CidFormatException>(() => Cid.Parse(text));

        Assert.Equal(reason, error.Reason);
        Assert.Equal(unsupported, error.IsUnsupported);
        Assert.Equal($"'{text}' is not a CID{(unsupported ? " this grid serves" : "")}: {reason}", error.Message);
        Assert.False(Cid.TryParse(text, out _));
    }

    [Fact]
    public void Bytes_that_are_not_ascii_are_named_and_shown_in_sequence_notation()
    {
        byte[] bytes = [.. "baf"u8, 0xff, .. "krei"u8];

        var error = Assert.Throws<CidFormatException>(() => Cid.Parse((ReadOnlySpan<byte>)bytes));

        Assert.Equal(@"'baf\xffkrei' is not a CID: U+00FF at position 3 is not a base32 lower-case character (a-z, 2-7)", error.Message);
    }

    [Fact]
    public void A_long_refused_text_is_quoted_cut_short()
    {
        var text = "b" + new string('!', 5000);

        var error = Assert.Throws<CidFormatException>(() => Cid.Parse(text));

        Assert.StartsWith("'b!!!", error.Message);
        Assert.Contains("...(5001 chars)' is not a CID: ", error.Message);
        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void Try_parse_of_null_is_false()
    {
        Assert.False(Cid.TryParse(null, out var cid));
        Assert.Null(cid);
        Assert.Throws<ArgumentNullException>(() => Cid.Parse((string)null!));
    }

    /// <summary>RFC 4648 base32, lower case, no padding, written here independently of the code under test.</summary>
    private static string TestBase32(byte[] bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var bits = new StringBuilder();
        foreach (var b in bytes) bits.Append(Convert.ToString(b, 2).PadLeft(8, '0'));
        while (bits.Length % 5 != 0) bits.Append('0');
        var text = new StringBuilder();
        for (var i = 0; i < bits.Length; i += 5) text.Append(alphabet[Convert.ToInt32(bits.ToString(i, 5), 2)]);
        return text.ToString();
    }
}
