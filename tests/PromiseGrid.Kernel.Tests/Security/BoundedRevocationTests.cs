using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Tests.Security;

/// <summary>
/// The revocation set is bounded: a statement may revoke only a link that has not yet expired,
/// an entry leaves once its link has expired, and each signer has at most
/// <c>promisegrid.security.max-revocations-per-signer</c> revocations in force.
/// </summary>
public sealed class BoundedRevocationTests(ITestOutputHelper output) : KernelTestKit(Config, output)
{
    private const int Limit = 2;
    private static readonly GridKey Root = GridKey.Generate();
    private static readonly GridKey Alice = GridKey.Generate();
    private static readonly string Config = $"""
        akka.loglevel = WARNING
        akka.actor.provider = local
        promisegrid.security.trust = "{Root.PublicKeyText}"
        promisegrid.security.max-revocations-per-signer = {Limit}
        """;

    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow;

    private static CapabilityToken Issue(TimeSpan expiresIn, byte[]? holder = null) =>
        CapabilityToken.Issue(Root, Seq("w/").Span, T0.AddHours(-3), T0.Add(expiresIn), holder);

    private async Task<Completion> RevokeAsync(GridKey signer, CapabilityToken token, int link = 0)
    {
        await AwaitAssertAsync(() => Assert.NotEmpty(RoutesOf(RevocationModule.Prefix)), Patience);
        var statement = RevocationStatement.Create(signer, token, link);
        return await Grid.CompleteAsync(Seq(RevocationModule.Prefix).Concat(new Sequence(statement)), capability: null);
    }

    [Fact]
    public async Task A_statement_for_a_link_that_has_expired_is_refused_and_recorded_nowhere()
    {
        var expired = Issue(TimeSpan.FromMinutes(-1));

        var completion = await RevokeAsync(Root, expired);

        AssertStatus(CompletionStatus.Denied, completion);
        Assert.Contains("revocation refused", completion.Reason);
        Assert.Contains("expired at", completion.Reason);
        Assert.Contains("nothing to revoke", completion.Reason);
        Assert.Equal(0, Runtime.Security.Revoked.Count);
    }

    [Fact]
    public async Task A_signer_past_its_limit_is_refused_naming_the_limit_while_other_signers_are_not()
    {
        var first = Issue(TimeSpan.FromHours(1), holder: Alice.PublicKey);
        var second = Issue(TimeSpan.FromHours(1));
        var third = Issue(TimeSpan.FromHours(1));
        var delegated = first.Attenuate(Alice, Seq("w/a").Span, T0.AddMinutes(30));

        AssertStatus(CompletionStatus.Completed, await RevokeAsync(Root, first));
        AssertStatus(CompletionStatus.Completed, await RevokeAsync(Root, second));
        AssertStatus(CompletionStatus.Completed, await RevokeAsync(Root, first)); // the same link again is no new entry
        var past = await RevokeAsync(Root, third);
        var byAlice = await RevokeAsync(Alice, delegated, link: 1);

        AssertStatus(CompletionStatus.Denied, past);
        Assert.Contains($"already has {Limit} revocations in force", past.Reason);
        Assert.Contains($"promisegrid.security.max-revocations-per-signer = {Limit}", past.Reason);
        AssertStatus(CompletionStatus.Completed, byAlice);
        Assert.Equal(3, Runtime.Security.Revoked.Count);
        Assert.False(Runtime.Security.Revoked.Contains(third.Links[0].HashHex));
    }

    [Fact]
    public async Task Once_a_revoked_link_has_expired_its_entry_leaves_and_frees_the_signers_place()
    {
        var soon = Issue(TimeSpan.FromHours(1));
        var later = Issue(TimeSpan.FromHours(3));
        var next = Issue(TimeSpan.FromHours(3));
        AssertStatus(CompletionStatus.Completed, await RevokeAsync(Root, soon));
        AssertStatus(CompletionStatus.Completed, await RevokeAsync(Root, later));
        AssertStatus(CompletionStatus.Denied, await RevokeAsync(Root, next));

        // Two hours on (past the first link's expiry and the grace), by the clock the prune is given.
        Sys.ActorSelection("/system/security").Tell(new SecurityReplicator.Prune(T0.AddHours(2).ToUnixTimeMilliseconds()));

        await AwaitAssertAsync(() => Assert.False(Runtime.Security.Revoked.Contains(soon.Links[0].HashHex)), Patience);
        Assert.True(Runtime.Security.Revoked.Contains(later.Links[0].HashHex));
        AssertStatus(CompletionStatus.Completed, await RevokeAsync(Root, next));
    }
}
