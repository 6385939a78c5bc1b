using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Tests.Security;

/// <summary>
/// <c>promisegrid.security</c> fails closed: a setting that is present but unusable is a
/// <see cref="ConfigurationException"/> naming it (the node turns that into exit code 2), never
/// a node that quietly checks nothing.
/// </summary>
public sealed class SecuritySettingsTests
{
    private static readonly GridKey Root = GridKey.Generate();
    private static readonly GridKey Stranger = GridKey.Generate();

    private static SecuritySettings Create(string hocon) =>
        SecuritySettings.Create(ConfigurationFactory.ParseString(hocon).WithFallback(GridSettings.DefaultConfig()).GetConfig("promisegrid"));

    private static CapabilityToken Token(GridKey issuer, DateTimeOffset expires) =>
        CapabilityToken.Issue(issuer, "echo/"u8, DateTimeOffset.UtcNow.AddMinutes(-1), expires);

    [Theory]
    [InlineData(",")]
    [InlineData(" , ,")]
    public void A_trust_list_that_is_set_but_names_no_key_is_refused(string trust)
    {
        var error = Assert.Throws<ConfigurationException>(() => Create($"promisegrid.security.trust = \"{trust}\""));

        Assert.StartsWith("promisegrid.security.trust (PG_TRUST) is set", error.Message);
        Assert.Contains("names no key", error.Message);
    }

    [Fact]
    public void An_empty_trust_list_checks_nothing()
    {
        Assert.False(Create("promisegrid.security.trust = \"\"").Enforced);
    }

    [Fact]
    public void A_trust_list_with_a_key_among_empty_entries_is_enforced()
    {
        Assert.True(Create($"promisegrid.security.trust = \",{Root.PublicKeyText},\"").Enforced);
    }

    [Fact]
    public void The_nodes_own_token_from_an_issuer_it_does_not_trust_is_refused()
    {
        var token = Token(Stranger, DateTimeOffset.UtcNow.AddHours(1));

        var error = Assert.Throws<ConfigurationException>(() => Create($"""
            promisegrid.security.trust = "{Root.PublicKeyText}"
            promisegrid.security.token = "{token.ToText()}"
            """));

        Assert.StartsWith("promisegrid.security.token (PG_TOKEN) does not verify against this node's own trust (PG_TRUST)", error.Message);
        Assert.Contains("is not trusted", error.Message);
    }

    [Fact]
    public void The_nodes_own_token_once_expired_is_refused()
    {
        var token = Token(Root, DateTimeOffset.UtcNow.AddSeconds(-10));

        var error = Assert.Throws<ConfigurationException>(() => Create($"""
            promisegrid.security.trust = "{Root.PublicKeyText}"
            promisegrid.security.token = "{token.ToText()}"
            """));

        Assert.Contains("does not verify against this node's own trust", error.Message);
        Assert.Contains("expired", error.Message);
    }

    [Fact]
    public void The_nodes_own_token_from_a_trusted_issuer_is_kept()
    {
        var token = Token(Root, DateTimeOffset.UtcNow.AddHours(1));

        var settings = Create($"""
            promisegrid.security.trust = "{Root.PublicKeyText}"
            promisegrid.security.token = "{token.ToText()}"
            """);

        Assert.Equal(token.Encoded, settings.OwnToken!.Encoded);
    }

    [Fact]
    public void A_node_that_checks_nothing_may_carry_a_token_for_other_nodes()
    {
        var token = Token(Stranger, DateTimeOffset.UtcNow.AddHours(1));

        var settings = Create($"promisegrid.security.token = \"{token.ToText()}\"");

        Assert.False(settings.Enforced);
        Assert.NotNull(settings.OwnToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_revocation_limit_below_one_is_refused_naming_the_knob(int limit)
    {
        var error = Assert.Throws<ConfigurationException>(() => Create($"promisegrid.security.max-revocations-per-signer = {limit}"));

        Assert.Contains("promisegrid.security.max-revocations-per-signer must be positive", error.Message);
    }

    [Fact]
    public void The_revocation_limit_defaults_to_a_thousand_per_signer()
    {
        Assert.Equal(1000, Create("").MaxRevocationsPerSigner);
    }
}
