using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// Revocation statements: who may revoke which link. The chain is root -> alice (link 0),
/// alice -> bob (link 1), bob -> carol (link 2).
/// </summary>
public sealed class RevocationStatementTests
{
    private static readonly CapabilityToken Chain = ThreeLinks();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void The_root_can_revoke_any_link(int index)
    {
        var revoked = RevocationStatement.Verify(RevocationStatement.Create(Root, Chain, index), Trust);

        Assert.Equal(Chain.Links[index].Hash, revoked.LinkHash);
        Assert.Equal(Chain.Links[index].HashHex, revoked.HashHex);
        Assert.Equal(Root.PublicKey, revoked.Signer);
        Assert.True((DateTimeOffset.UtcNow - revoked.IssuedAt).Duration() < TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void A_delegator_can_revoke_the_link_it_issued_and_links_below_it()
    {
        Assert.Equal(Chain.Links[1].Hash, RevocationStatement.Verify(RevocationStatement.Create(Alice, Chain, 1), Trust).LinkHash);
        Assert.Equal(Chain.Links[2].Hash, RevocationStatement.Verify(RevocationStatement.Create(Alice, Chain, 2), Trust).LinkHash);
        Assert.Equal(Chain.Links[2].Hash, RevocationStatement.Verify(RevocationStatement.Create(Bob, Chain, 2), Trust).LinkHash);
    }

    [Fact]
    public void A_holder_cannot_revoke_the_link_it_was_handed()
    {
        // Bob holds link 1 (issued by Alice): revoking it, or link 0 above it, is not his to do.
        var reason = Refusal.Of(() => RevocationStatement.Verify(RevocationStatement.Create(Bob, Chain, 1), Trust));
        Assert.Equal($"revocation of link 1 is signed by {Bob.PublicKeyText[..12]}…, which issued neither that link nor any link above it", reason);

        Assert.StartsWith("revocation of link 0 is signed by ",
            Refusal.Of(() => RevocationStatement.Verify(RevocationStatement.Create(Alice, Chain, 0), Trust)));
        Assert.StartsWith("revocation of link 1 is signed by ",
            Refusal.Of(() => RevocationStatement.Verify(RevocationStatement.Create(Carol, Chain, 1), Trust)));
    }

    [Fact]
    public void An_outsider_cannot_revoke()
    {
        Assert.StartsWith("revocation of link 2 is signed by ",
            Refusal.Of(() => RevocationStatement.Verify(RevocationStatement.Create(Mallory, Chain, 2), Trust)));
    }

    [Fact]
    public void A_statement_naming_the_root_as_signer_but_signed_by_another_key_is_refused()
    {
        var payload = new SortedDictionary<long, object>
        {
            [1] = Chain.Links[0].Hash,
            [2] = TokenForge.Start.ToUnixTimeSeconds(),
            [3] = Chain.Encoded,
            [4] = Root.PublicKey,
        };
        var forged = TokenForge.Sign(Mallory, TokenForge.EncodeClaims(payload));

        var reason = Refusal.Of(() => RevocationStatement.Verify(forged, Trust));

        Assert.Equal("revocation statement signature does not verify with its signer's key", reason);
    }

    [Fact]
    public void A_tampered_statement_is_refused()
    {
        var statement = RevocationStatement.Create(Root, Chain, 1);
        statement[^10] ^= 0x01;

        Assert.Equal("revocation statement signature does not verify with its signer's key",
            Refusal.Of(() => RevocationStatement.Verify(statement, Trust)));
    }

    [Fact]
    public void A_statement_whose_chain_is_not_trusted_is_refused()
    {
        var other = new TrustedIssuers([Mallory]);

        var reason = Refusal.Of(() => RevocationStatement.Verify(RevocationStatement.Create(Root, Chain, 1), other));

        Assert.StartsWith("revocation statement's chain is invalid: link 0: issuer ", reason);
    }

    [Fact]
    public void A_statement_naming_a_link_outside_its_chain_is_refused()
    {
        var payload = new SortedDictionary<long, object>
        {
            [1] = ThreeLinks().Links[1].Hash, // another chain's link
            [2] = TokenForge.Start.ToUnixTimeSeconds(),
            [3] = Chain.Encoded,
            [4] = Root.PublicKey,
        };

        var reason = Refusal.Of(() => RevocationStatement.Verify(TokenForge.Sign(Root, TokenForge.EncodeClaims(payload)), Trust));

        Assert.Equal("revocation statement names a link that is not in its chain", reason);
    }

    [Fact]
    public void An_expired_link_can_still_be_revoked()
    {
        var expired = CapabilityToken.Issue(Root, Bytes("echo/"), new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2001, 1, 2, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(expired.Leaf.Hash, RevocationStatement.Verify(RevocationStatement.Create(Root, expired, 0), Trust).LinkHash);
    }

    [Fact]
    public void A_link_can_be_named_by_its_hash_text()
    {
        var statement = RevocationStatement.Create(Alice, Chain, Chain.Links[2].HashHex.ToUpperInvariant());

        Assert.Equal(Chain.Links[2].Hash, RevocationStatement.Verify(statement, Trust).LinkHash);
        Assert.Equal("no link of the token has hash 00", Refusal.Of(() => RevocationStatement.Create(Alice, Chain, "00")));
        Assert.Equal("link 3 is not in the token, which has links 0 to 2", Refusal.Of(() => RevocationStatement.Create(Alice, Chain, 3)));
    }

    [Fact]
    public void Malformed_statements_are_refused_with_a_capability_reason()
    {
        Assert.Equal("revocation statement is empty", Refusal.Of(() => RevocationStatement.Verify([], Trust)));
        Assert.StartsWith("revocation statement is malformed: ", Refusal.Of(() => RevocationStatement.Verify([0xd2, 0x84], Trust)));
        Assert.StartsWith("revocation statement is ", Refusal.Of(() => RevocationStatement.Verify(new byte[9000], Trust)));
    }
}
