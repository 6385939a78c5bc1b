using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// Every bad chain the chain rules refuse (README.md#capabilities-tokens-delegation-revocation), at token level: each is refused by Verify with a reason that
/// names the link and the rule.
/// </summary>
public sealed class ChainVerificationTests
{
    private static string Refused(byte[] token) => Refusal.Of(() => CapabilityToken.Verify(token, Trust));

    [Fact]
    public void A_valid_three_link_chain_verifies()
    {
        var token = ThreeLinks();

        var verified = token.Verify(Trust);

        Assert.Equal(Bytes("echo/ab"), verified.Prefix);
        Assert.Equal(Carol.PublicKey, verified.Holder);
        Assert.Equal(Root.PublicKey, verified.Root);
        Assert.Equal(token.Links.Select(l => l.Hash), verified.LinkHashes);
    }

    [Fact]
    public void A_root_signed_by_an_untrusted_key_is_refused_naming_the_key()
    {
        var token = CapabilityToken.Issue(Mallory, Bytes("echo/"), TokenForge.Start, TokenForge.End);

        var reason = Refused(token.Encoded);

        Assert.Equal($"link 0: issuer {Mallory.PublicKeyText[..12]}… is not trusted", reason);
    }

    [Fact]
    public void A_token_claiming_a_trusted_issuer_but_signed_by_another_key_is_refused()
    {
        // Mallory writes the root's key into iss and signs with her own.
        var link = TokenForge.Link(Mallory, TokenForge.Claims(Root, Alice, "echo/"));

        Assert.Equal("link 0: signature does not verify with its issuer's key", Refused(TokenForge.Token(link)));
    }

    [Fact]
    public void A_flipped_byte_in_the_leaf_signature_is_refused()
    {
        var bytes = ThreeLinks().Encoded;
        bytes[^64] ^= 0x01; // first byte of r in the last link's signature

        Assert.Equal("link 2: signature does not verify with its issuer's key", Refused(bytes));
    }

    [Fact]
    public void A_flipped_byte_in_the_root_signature_is_refused_at_the_root()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);
        var signature = TokenForge.SignatureOf(links[0]);
        signature[5] ^= 0x80;
        links[0] = TokenForge.WithSignature(links[0], signature);

        Assert.Equal("link 0: signature does not verify with its issuer's key", Refused(TokenForge.Token(links)));
    }

    [Fact]
    public void A_truncated_signature_is_refused_before_any_signature_work()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);
        links[1] = TokenForge.WithSignature(links[1], TokenForge.SignatureOf(links[1])[..63]);

        Assert.Equal("link 1: signature is 63 bytes, ES256 needs 64", Refused(TokenForge.Token(links)));
    }

    [Fact]
    public void A_missing_signature_is_refused()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);
        links[2] = TokenForge.WithSignature(links[2], []);

        Assert.Equal("link 2: signature is 0 bytes, ES256 needs 64", Refused(TokenForge.Token(links)));
    }

    [Fact]
    public void A_high_S_copy_of_a_valid_signature_is_refused_so_a_revoked_leaf_cannot_get_a_new_hash()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);
        var malleated = TokenForge.WithSignature(links[2], TokenForge.HighS(TokenForge.SignatureOf(links[2])));
        // The malleated signature is still cryptographically valid: only the low-S rule stops it.
        Assert.True(System.Security.Cryptography.Cose.CoseMessage.DecodeSign1(malleated).VerifyEmbedded(ExportPublic(Bob)));
        Assert.NotEqual(TokenForge.Hash(links[2]), TokenForge.Hash(malleated));
        links[2] = malleated;

        Assert.Equal("link 2: signature is not in low-S form (a malleated copy of a signature)", Refused(TokenForge.Token(links)));
    }

    [Fact]
    public void Links_swapped_in_the_middle_are_refused_as_not_issued_under_their_predecessor()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);

        var reason = Refused(TokenForge.Token(links[0], links[2], links[1]));

        Assert.Equal("link 1: was not issued under link 0 (parent hash differs)", reason);
    }

    [Fact]
    public void A_reversed_chain_is_refused_at_its_untrusted_first_link()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);

        var reason = Refused(TokenForge.Token(links[2], links[1], links[0]));

        // Decoding already refuses it: the first link names a parent, which a root may not.
        Assert.Equal("link 0: the root link must not name a parent (claim -65538)", reason);
    }

    [Fact]
    public void A_dropped_middle_link_is_refused()
    {
        var links = TokenForge.Links(ThreeLinks().Encoded);

        Assert.Equal("link 1: was not issued under link 0 (parent hash differs)", Refused(TokenForge.Token(links[0], links[2])));
    }

    [Fact]
    public void A_link_spliced_from_another_chain_with_the_same_keys_and_prefixes_is_refused()
    {
        var first = TokenForge.Links(ThreeLinks().Encoded);
        var second = TokenForge.Links(ThreeLinks().Encoded);

        Assert.Equal("link 1: was not issued under link 0 (parent hash differs)", Refused(TokenForge.Token(first[0], second[1], second[2])));
        Assert.Equal("link 2: was not issued under link 1 (parent hash differs)", Refused(TokenForge.Token(first[0], first[1], second[2])));
    }

    [Fact]
    public void A_child_prefix_shorter_than_its_parent_is_refused()
    {
        var root = TokenForge.Link(Root, TokenForge.Claims(Root, Alice, "echo/"));
        var child = TokenForge.Link(Alice, TokenForge.Claims(Alice, Bob, "ech", TokenForge.Hash(root)));

        Assert.Equal("link 1: prefix 'ech' does not start with its parent's prefix 'echo/'", Refused(TokenForge.Token(root, child)));
    }

    [Fact]
    public void A_child_prefix_diverging_from_its_parent_is_refused()
    {
        var root = TokenForge.Link(Root, TokenForge.Claims(Root, Alice, "hash/"));
        var child = TokenForge.Link(Alice, TokenForge.Claims(Alice, Bob, "echo/", TokenForge.Hash(root)));

        Assert.Equal("link 1: prefix 'echo/' does not start with its parent's prefix 'hash/'", Refused(TokenForge.Token(root, child)));
    }

    [Fact]
    public void A_child_outliving_its_parent_is_refused()
    {
        var root = TokenForge.Link(Root, TokenForge.Claims(Root, Alice, "echo/"));
        var child = TokenForge.Link(Alice, TokenForge.Claims(Alice, Bob, "echo/x", TokenForge.Hash(root), expires: TokenForge.End.AddSeconds(1)));

        Assert.Equal(
            "link 1: expires 2030-01-31T00:00:01Z, after its parent's expiry 2030-01-31T00:00:00Z",
            Refused(TokenForge.Token(root, child)));
    }

    [Fact]
    public void A_delegated_bearer_link_is_refused()
    {
        var root = TokenForge.Link(Root, TokenForge.Claims(Root, holder: null, "echo/"));
        var child = TokenForge.Link(Alice, TokenForge.Claims(Alice, Bob, "echo/x", TokenForge.Hash(root)));

        Assert.Equal("link 1: link 0 is a bearer link, which cannot be delegated", Refused(TokenForge.Token(root, child)));
    }

    [Fact]
    public void A_child_signed_by_someone_other_than_the_parent_holder_is_refused()
    {
        var root = TokenForge.Link(Root, TokenForge.Claims(Root, Alice, "echo/"));
        var child = TokenForge.Link(Mallory, TokenForge.Claims(Mallory, Bob, "echo/x", TokenForge.Hash(root)));

        Assert.Equal($"link 1: issuer {Mallory.PublicKeyText[..12]}… is not the holder of link 0", Refused(TokenForge.Token(root, child)));
    }

    [Fact]
    public void A_chain_forged_from_the_written_format_alone_verifies()
    {
        // The converse of the refusals above: with every rule kept, the forge's output is accepted,
        // so the format in the doc comment is what the code implements.
        var root = TokenForge.Link(Root, TokenForge.Claims(Root, Alice, "echo/"));
        var child = TokenForge.Link(Alice, TokenForge.Claims(Alice, holder: null, "echo/x", TokenForge.Hash(root)));

        var verified = CapabilityToken.Verify(TokenForge.Token(root, child), Trust);

        Assert.Null(verified.Holder);
        Assert.Equal(Bytes("echo/x"), verified.Prefix);
    }

    [Fact]
    public void Over_the_size_limit_is_refused_before_signatures_even_when_the_root_is_untrusted()
    {
        // Eight well-signed links with 1024-byte prefixes from an untrusted root: the size rule
        // speaks first, so no signature (or trust lookup) was needed to refuse it.
        var prefix = new string('p', 1024);
        var holders = Enumerable.Range(0, 8).Select(_ => GridKey.Generate()).ToArray();
        var links = new List<byte[]>();
        var signer = Mallory;
        for (var i = 0; i < 8; i++)
        {
            links.Add(TokenForge.Link(signer, TokenForge.Claims(signer, holders[i], prefix, i == 0 ? null : TokenForge.Hash(links[^1]))));
            signer = holders[i];
        }
        var token = TokenForge.Token([.. links]);
        Assert.True(token.Length > CapabilityLimits.MaxTokenBytes);

        var reason = Refusal.Of(() => CapabilityToken.Verify(token, new TrustedIssuers([Carol])));

        Assert.Equal($"token is {token.Length} bytes, over the limit of 8192", reason);
    }

    [Fact]
    public void Over_the_depth_limit_is_refused_before_signatures_even_when_the_root_is_untrusted()
    {
        var holders = Enumerable.Range(0, 9).Select(_ => GridKey.Generate()).ToArray();
        var links = new List<byte[]>();
        var signer = Mallory;
        for (var i = 0; i < 9; i++)
        {
            links.Add(TokenForge.Link(signer, TokenForge.Claims(signer, holders[i], "echo/", i == 0 ? null : TokenForge.Hash(links[^1]))));
            signer = holders[i];
        }

        var reason = Refusal.Of(() => CapabilityToken.Verify(TokenForge.Token([.. links]), new TrustedIssuers([Carol])));

        Assert.Equal("token has 9 links, more than the limit of 8", reason);
    }

    [Fact]
    public void Eight_links_is_within_the_depth_limit()
    {
        var token = CapabilityToken.Issue(Root, Bytes("echo/"), TokenForge.Start, TokenForge.End, Alice.PublicKey);
        var holder = Alice;
        for (var i = 1; i < CapabilityLimits.MaxDepth; i++)
        {
            var next = GridKey.Generate();
            token = token.Attenuate(holder, Bytes("echo/" + new string('x', i)), TokenForge.End, next.PublicKey);
            holder = next;
        }

        Assert.Equal(8, token.Verify(Trust).LinkHashes.Count);
    }

    [Fact]
    public void Verification_does_not_look_at_the_clock()
    {
        // Expired long ago and still verifies: the window belongs to CheckUse, so a cached
        // verification never goes stale by itself.
        var token = CapabilityToken.Issue(Root, Bytes("echo/"), new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2001, 1, 2, 0, 0, 0, TimeSpan.Zero));

        var verified = token.Verify(Trust);

        Assert.Equal("token expired at 2001-01-02T00:00:00Z", verified.CheckUse(Bytes("echo/x"), DateTimeOffset.UtcNow));
    }

    private static System.Security.Cryptography.ECDsa ExportPublic(GridKey key)
    {
        var ecdsa = System.Security.Cryptography.ECDsa.Create();
        ecdsa.ImportFromPem(key.ToPublicPem());
        return ecdsa;
    }
}
