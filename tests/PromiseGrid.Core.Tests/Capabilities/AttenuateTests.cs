using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>Attenuate: offline delegation may only narrow, and only the holder may delegate.</summary>
public sealed class AttenuateTests
{
    private static CapabilityToken ToAlice() =>
        CapabilityToken.Issue(Root, Bytes("echo/"), TokenForge.Start, TokenForge.End, Alice.PublicKey);

    [Fact]
    public void The_holder_narrows_prefix_and_expiry_and_hands_the_token_on()
    {
        var token = ToAlice().Attenuate(Alice, Bytes("echo/team/"), TokenForge.End.AddDays(-1), Bob.PublicKey);

        var verified = token.Verify(Trust);
        Assert.Equal(2, token.Links.Count);
        Assert.Equal(Bytes("echo/team/"), verified.Prefix);
        Assert.Equal(TokenForge.End.AddDays(-1), verified.Expires);
        Assert.Equal(Bob.PublicKey, verified.Holder);
        Assert.Equal(Alice.PublicKey, token.Leaf.Issuer);
        Assert.Equal(token.Links[0].Hash, token.Leaf.Parent);
        Assert.Equal(TokenForge.Start, token.Leaf.NotBefore); // defaults to the parent's not-before
    }

    [Fact]
    public void The_same_prefix_and_expiry_may_be_kept_to_only_change_the_holder()
    {
        var token = ToAlice().Attenuate(Alice, Bytes("echo/"), TokenForge.End, Bob.PublicKey);

        Assert.Equal(Bob.PublicKey, token.Verify(Trust).Holder);
    }

    [Fact]
    public void Without_a_new_holder_the_result_is_a_bearer_token_that_cannot_be_delegated_further()
    {
        var bearer = ToAlice().Attenuate(Alice, Bytes("echo/x"), TokenForge.End);

        Assert.Null(bearer.Verify(Trust).Holder);
        Assert.Equal("the token's last link is a bearer link, which cannot be delegated",
            Refusal.Of(() => bearer.Attenuate(Alice, Bytes("echo/x"), TokenForge.End, Bob.PublicKey)));
    }

    [Fact]
    public void Only_the_holder_key_may_attenuate()
    {
        var reason = Refusal.Of(() => ToAlice().Attenuate(Bob, Bytes("echo/x"), TokenForge.End, Bob.PublicKey));

        Assert.Equal($"the key given ({Bob.PublicKeyText[..12]}…) is not the holder of the token's last link ({Alice.PublicKeyText[..12]}…)", reason);
    }

    [Fact]
    public void The_holder_public_key_alone_cannot_sign()
    {
        using var alicePublic = GridKey.FromPublicKey(Alice.PublicKey);

        var reason = Refusal.Of(() => ToAlice().Attenuate(alicePublic, Bytes("echo/x"), TokenForge.End));

        Assert.Equal("the signing key has no private part (give the private key PEM)", reason);
    }

    [Theory]
    [InlineData("ech")]
    [InlineData("hash/")]
    [InlineData("")]
    public void A_prefix_that_does_not_narrow_is_refused(string prefix)
    {
        var reason = Refusal.Of(() => ToAlice().Attenuate(Alice, Bytes(prefix), TokenForge.End, Bob.PublicKey));

        Assert.Equal($"prefix '{prefix}' does not start with the token's prefix 'echo/'", reason);
    }

    [Fact]
    public void An_expiry_past_the_parent_is_refused()
    {
        var reason = Refusal.Of(() => ToAlice().Attenuate(Alice, Bytes("echo/x"), TokenForge.End.AddSeconds(1), Bob.PublicKey));

        Assert.Equal("expiry 2030-01-31T00:00:01Z passes the token's expiry 2030-01-31T00:00:00Z", reason);
    }

    [Fact]
    public void A_fraction_of_a_second_past_the_parent_rounds_down_and_is_allowed()
    {
        var token = ToAlice().Attenuate(Alice, Bytes("echo/x"), TokenForge.End.AddMilliseconds(999), Bob.PublicKey);

        Assert.Equal(TokenForge.End, token.Verify(Trust).Expires);
    }

    [Fact]
    public void A_ninth_link_is_refused()
    {
        var token = ToAlice();
        var holder = Alice;
        for (var i = 1; i < CapabilityLimits.MaxDepth; i++)
        {
            var next = GridKey.Generate();
            token = token.Attenuate(holder, Bytes("echo/"), TokenForge.End, next.PublicKey);
            holder = next;
        }

        var reason = Refusal.Of(() => token.Attenuate(holder, Bytes("echo/"), TokenForge.End, Bob.PublicKey));

        Assert.Equal("the token already has 8 links, the most a chain may have", reason);
    }

    [Fact]
    public void A_delegation_that_would_pass_the_size_limit_is_refused()
    {
        var prefix = new byte[CapabilityLimits.MaxPrefixBytes];
        var token = CapabilityToken.Issue(Root, prefix, TokenForge.Start, TokenForge.End, Alice.PublicKey);
        var holder = Alice;
        CapabilityException? refused = null;
        for (var i = 1; i < CapabilityLimits.MaxDepth && refused is null; i++)
        {
            var next = GridKey.Generate();
            try
            {
                token = token.Attenuate(holder, prefix, TokenForge.End, next.PublicKey);
                holder = next;
            }
            catch (CapabilityException e)
            {
                refused = e;
            }
        }

        Assert.NotNull(refused);
        Assert.Matches(@"^the token would be \d+ bytes, over the limit of 8192$", refused.Reason);
        Assert.True(token.Encoded.Length <= CapabilityLimits.MaxTokenBytes);
        token.Verify(Trust);
    }

    [Fact]
    public void A_bad_new_holder_key_is_refused()
    {
        var reason = Refusal.Of(() => ToAlice().Attenuate(Alice, Bytes("echo/x"), TokenForge.End, new byte[65]));

        Assert.Equal("holder: a public key must be an uncompressed point starting with 0x04, got 0x00", reason);
    }
}
