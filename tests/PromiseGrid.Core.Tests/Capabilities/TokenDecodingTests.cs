using System.Formats.Cbor;
using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// Decode: the structural rules checked before any signature work, and the text form. Each
/// malformed input gets a reason naming the link and what is wrong with it.
/// </summary>
public sealed class TokenDecodingTests
{
    private static string Refused(byte[] token) => Refusal.Of(() => CapabilityToken.Decode(token));

    private static string RefusedLink(SortedDictionary<long, object> claims, GridKey? signer = null) =>
        Refused(TokenForge.Token(TokenForge.Link(signer ?? Root, claims)));

    [Fact]
    public void Issue_to_text_to_parse_to_verify_round_trips_every_claim()
    {
        var notBefore = new DateTimeOffset(2030, 5, 1, 12, 0, 0, 500, TimeSpan.Zero);
        var expires = notBefore.AddHours(1);

        var issued = CapabilityToken.Issue(Root, Bytes(@"echo/\x00\xff"), notBefore, expires, Alice.PublicKey);
        var text = issued.ToText();
        var parsed = CapabilityToken.Parse($"  {text}\n");
        var verified = parsed.Verify(Trust);

        Assert.Equal(issued.Encoded, parsed.Encoded);
        var link = Assert.Single(parsed.Links);
        Assert.Equal(Root.PublicKey, link.Issuer);
        Assert.Equal(Alice.PublicKey, link.Holder);
        Assert.Equal(Bytes(@"echo/\x00\xff"), link.Prefix);
        Assert.Equal(new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero), link.NotBefore); // whole seconds, rounded down
        Assert.Equal(new DateTimeOffset(2030, 5, 1, 13, 0, 0, TimeSpan.Zero), link.Expires);
        Assert.Equal(16, link.Nonce.Length);
        Assert.Null(link.Parent);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(link.Encoded), link.Hash);
        Assert.Equal(64, link.HashHex.Length);
        Assert.Equal(link.NotBefore, verified.NotBefore);
        Assert.Equal(link.Expires, verified.Expires);
        Assert.DoesNotContain('=', text);
        Assert.DoesNotContain('+', text);
        Assert.DoesNotContain('/', text);
    }

    [Fact]
    public void A_three_link_chain_round_trips_through_text()
    {
        var token = ThreeLinks();

        var parsed = CapabilityToken.Parse(token.ToText());

        Assert.Equal(token.Encoded, parsed.Encoded);
        Assert.Equal(token.Links.Select(l => l.HashHex), parsed.Links.Select(l => l.HashHex));
        Assert.Equal(parsed.Links[0].Hash, parsed.Links[1].Parent);
        Assert.Equal(parsed.Links[1].Hash, parsed.Links[2].Parent);
        Assert.Equal(Carol.PublicKey, parsed.Leaf.Holder);
        parsed.Verify(Trust);
    }

    [Theory]
    [InlineData("", "token is empty")]
    [InlineData("   ", "token is empty")]
    [InlineData("not*base64", "token text is not base64url")]
    [InlineData("gA", "token has no links")]                   // 0x80: an empty array
    [InlineData("oA", "token is not a CBOR array of links")]   // 0xa0: an empty map
    public void Bad_token_text_gets_a_clear_reason(string text, string expected)
    {
        Assert.Equal(expected, Refusal.Of(() => CapabilityToken.Parse(text)));
    }

    [Fact]
    public void A_huge_token_text_is_refused_before_it_is_decoded()
    {
        var reason = Refusal.Of(() => CapabilityToken.Parse(new string('A', 1_000_000)));

        Assert.Equal("token text is 1000000 characters, over the limit of 8192 bytes", reason);
    }

    [Fact]
    public void Trailing_bytes_after_the_links_are_refused()
    {
        var token = ThreeLinks().Encoded;

        Assert.Equal("token has 1 trailing bytes after its links", Refused([.. token, 0x00]));
    }

    [Fact]
    public void An_indefinite_length_array_is_refused()
    {
        var link = TokenForge.Links(ThreeLinks().Encoded)[0];

        var reason = Refused([0x9f, .. link, 0xff]);

        Assert.StartsWith("token is not well-formed CBOR:", reason);
    }

    [Fact]
    public void A_link_without_tag_18_is_refused()
    {
        var link = TokenForge.Links(ThreeLinks().Encoded)[0];

        Assert.Equal("link 0: is not a tagged COSE_Sign1 (CBOR tag 18)", Refused(TokenForge.Token(link[1..])));
    }

    [Fact]
    public void An_algorithm_other_than_ES256_is_refused()
    {
        var (_, payload, signature) = TokenForge.Parts(TokenForge.Links(ThreeLinks().Encoded)[0]);
        var es512 = new byte[] { 0xa1, 0x01, 0x38, 0x23 }; // {1: -36}

        Assert.Equal("link 0: algorithm -36 is not ES256 (-7)", Refused(TokenForge.Token(TokenForge.Encode(es512, payload, signature))));
        Assert.Equal("link 0: protected header names no algorithm; ES256 (-7) is required",
            Refused(TokenForge.Token(TokenForge.Encode([0xa0], payload, signature))));
    }

    [Fact]
    public void Unprotected_headers_are_refused_because_they_would_change_the_hash_without_the_signature()
    {
        var (protectedHeader, payload, signature) = TokenForge.Parts(TokenForge.Links(ThreeLinks().Encoded)[0]);

        var reason = Refused(TokenForge.Token(TokenForge.Encode(protectedHeader, payload, signature, unprotectedEntries: 1)));

        Assert.Equal("link 0: unprotected header must be empty (nothing unsigned is allowed)", reason);
    }

    [Fact]
    public void A_detached_payload_is_refused()
    {
        var writer = new CborWriter();
        writer.WriteTag((CborTag)18);
        writer.WriteStartArray(4);
        writer.WriteByteString([0xa1, 0x01, 0x26]);
        writer.WriteStartMap(0);
        writer.WriteEndMap();
        writer.WriteNull();
        writer.WriteByteString(new byte[64]);
        writer.WriteEndArray();

        Assert.Equal("link 0: payload is detached; the claims must be embedded", Refused(TokenForge.Token(writer.Encode())));
    }

    [Theory]
    [InlineData(TokenForge.Iss, "link 0: claim iss (1) is missing")]
    [InlineData(TokenForge.Exp, "link 0: claim exp (4) is missing")]
    [InlineData(TokenForge.Nbf, "link 0: claim nbf (5) is missing")]
    [InlineData(TokenForge.Iat, "link 0: claim iat (6) is missing")]
    [InlineData(TokenForge.Cti, "link 0: claim cti (7) is missing")]
    [InlineData(TokenForge.Prefix, "link 0: claim prefix (-65537) is missing")]
    public void A_missing_claim_is_named(long label, string expected)
    {
        var claims = TokenForge.Claims(Root, Alice, "echo/");
        claims.Remove(label);

        Assert.Equal(expected, RefusedLink(claims));
    }

    [Fact]
    public void Claims_of_the_wrong_type_are_named()
    {
        var claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[TokenForge.Exp] = "tomorrow";
        Assert.Equal("link 0: claim exp (4) must be an integer (seconds since the Unix epoch)", RefusedLink(claims));

        claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[TokenForge.Nbf] = 1.5;
        Assert.Equal("link 0: claim nbf (5) must be an integer (seconds since the Unix epoch)", RefusedLink(claims));

        claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[TokenForge.Prefix] = "echo/";
        Assert.Equal("link 0: claim prefix (-65537) must be a byte string", RefusedLink(claims));

        claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[TokenForge.Iss] = Root.PublicKey;
        Assert.Equal("link 0: claim iss (1) must be a text string", RefusedLink(claims));

        claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[TokenForge.Exp] = long.MaxValue;
        Assert.Equal("link 0: claim exp (4) is out of range", RefusedLink(claims));
    }

    [Fact]
    public void An_unknown_claim_is_refused()
    {
        var claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[-70000] = "admin";

        Assert.Equal("link 0: unknown claim -70000", RefusedLink(claims));
    }

    [Fact]
    public void A_claim_given_twice_is_refused()
    {
        // Written by hand in lax mode: the canonical writer would not produce a duplicate label.
        var writer = new CborWriter(CborConformanceMode.Lax);
        var claims = TokenForge.Claims(Root, Alice, "echo/");
        writer.WriteStartMap(claims.Count + 1);
        writer.WriteInt64(TokenForge.Prefix);
        writer.WriteByteString("echo/"u8);
        writer.WriteInt64(TokenForge.Prefix);
        writer.WriteByteString(""u8);
        claims.Remove(TokenForge.Prefix);
        foreach (var (label, value) in claims)
        {
            writer.WriteInt64(label);
            switch (value)
            {
                case string s: writer.WriteTextString(s); break;
                case long n: writer.WriteInt64(n); break;
                case byte[] b: writer.WriteByteString(b); break;
            }
        }
        writer.WriteEndMap();

        var reason = Refused(TokenForge.Token(TokenForge.Sign(Root, writer.Encode())));

        Assert.StartsWith("link 0: malformed claims:", reason);
    }

    [Fact]
    public void A_prefix_over_1024_bytes_is_refused()
    {
        Assert.Equal("link 0: prefix is 1025 bytes, over the limit of 1024",
            RefusedLink(TokenForge.Claims(Root, Alice, new string('p', 1025))));
        Assert.Equal("prefix is 1025 bytes, over the limit of 1024",
            Refusal.Of(() => CapabilityToken.Issue(Root, new byte[1025], TokenForge.Start, TokenForge.End)));
    }

    [Fact]
    public void Not_before_must_come_before_expiry()
    {
        Assert.Equal("link 0: not-before 2030-01-31T00:00:00Z is not before expiry 2030-01-31T00:00:00Z",
            RefusedLink(TokenForge.Claims(Root, Alice, "echo/", notBefore: TokenForge.End)));
        Assert.Equal("not-before 2030-01-31T00:00:00Z is not before expiry 2030-01-01T00:00:00Z",
            Refusal.Of(() => CapabilityToken.Issue(Root, Bytes("echo/"), TokenForge.End, TokenForge.Start)));
    }

    [Fact]
    public void Keys_in_claims_must_be_canonical_base64url_points_on_P256()
    {
        var claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[TokenForge.Aud] = "!!!";
        Assert.Equal("link 0: claim aud (3) is not base64url", RefusedLink(claims));

        claims[TokenForge.Aud] = Alice.PublicKeyText + "=";
        Assert.Equal("link 0: claim aud (3) is not in canonical base64url (no padding, no whitespace)", RefusedLink(claims));

        claims[TokenForge.Aud] = TokenForge.Text(Alice.PublicKey[..33]);
        Assert.Equal("link 0: claim aud (3): a public key must be a 65-byte uncompressed P-256 point (0x04||X||Y), got 33 bytes",
            RefusedLink(claims));

        var offCurve = Alice.PublicKey.ToArray();
        offCurve[^1] ^= 0x01;
        claims[TokenForge.Aud] = TokenForge.Text(offCurve);
        Assert.Equal("link 0: claim aud (3): the public key is not a point on P-256", RefusedLink(claims));
    }

    [Fact]
    public void The_nonce_must_be_16_bytes()
    {
        var claims = TokenForge.Claims(Root, Alice, "echo/");
        claims[TokenForge.Cti] = new byte[8];

        Assert.Equal("link 0: claim cti (7) must be 16 bytes, got 8", RefusedLink(claims));
    }

    [Fact]
    public void Parent_claims_must_match_the_position_in_the_chain()
    {
        var root = TokenForge.Link(Root, TokenForge.Claims(Root, Alice, "echo/"));

        Assert.Equal("link 0: the root link must not name a parent (claim -65538)",
            RefusedLink(TokenForge.Claims(Root, Alice, "echo/", parent: new byte[32])));
        Assert.Equal("link 1: claim parent (-65538) is missing; every link after the root names its parent",
            Refused(TokenForge.Token(root, TokenForge.Link(Alice, TokenForge.Claims(Alice, Bob, "echo/x")))));
        Assert.Equal("link 1: claim parent (-65538) must be a 32-byte SHA-256 hash, got 20 bytes",
            Refused(TokenForge.Token(root, TokenForge.Link(Alice, TokenForge.Claims(Alice, Bob, "echo/x", parent: new byte[20])))));
    }

    [Fact]
    public void Decode_does_no_signature_work_so_a_forged_signature_still_decodes()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);
        var signature = TokenForge.SignatureOf(links[2]);
        signature[0] ^= 0x01;
        var bytes = TokenForge.Token(links[0], links[1], TokenForge.WithSignature(links[2], signature));

        var decoded = CapabilityToken.Decode(bytes);

        Assert.Equal(3, decoded.Links.Count);
        Assert.Equal("link 2: signature does not verify with its issuer's key", Refusal.Of(() => decoded.Verify(Trust)));
    }
}
