using Akka.TestKit;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Tests.Security;

/// <summary>
/// A node that trusts an issuer (promisegrid.security.trust): every request to its modules is
/// checked before the module sees it; refusals are Denied with the reason.
/// </summary>
public sealed class CapabilityGuardTests(ITestOutputHelper output) : KernelTestKit(TrustingConfig, output)
{
    private static readonly GridKey Root = GridKey.Generate();
    private static readonly GridKey Alice = GridKey.Generate();
    private static readonly string TrustingConfig = $"""
        akka.loglevel = WARNING
        akka.actor.provider = local
        promisegrid.security.trust = "{Root.PublicKeyText}"
        """;

    private static readonly DateTimeOffset Issued = DateTimeOffset.UtcNow;

    private static CapabilityToken Issue(string prefix, byte[]? holder = null, GridKey? issuer = null) =>
        CapabilityToken.Issue(issuer ?? Root, Seq(prefix).Span, Issued.AddMinutes(-1), Issued.AddHours(1), holder);

    private static Capability Bearer(CapabilityToken token) => new(token.Encoded);

    private async Task<TestProbe> StartWitnessAsync()
    {
        var witness = CreateTestProbe();
        await StartModuleAsync(Props.Create(() => new WitnessModule(witness.Ref)), "w/");
        return witness;
    }

    [Fact]
    public async Task A_request_without_a_token_is_denied_before_the_module_sees_it()
    {
        var witness = await StartWitnessAsync();

        var completion = await Grid.CompleteAsync(Seq("w/hi"), capability: null);

        AssertStatus(CompletionStatus.Denied, completion);
        Assert.Contains("no capability token", completion.Reason);
        await witness.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_trusted_token_covering_the_sequence_is_served()
    {
        var witness = await StartWitnessAsync();

        var completion = await Grid.CompleteAsync(Seq("w/hi"), Bearer(Issue("w/")));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("hi", Text(completion.Bytes));
        await witness.ExpectMsgAsync("w/hi", Patience);
    }

    [Theory]
    [InlineData("untrusted issuer", "is not trusted")]
    [InlineData("outside the prefix", "outside the token's prefix")]
    [InlineData("random bytes", "token refused")]
    public async Task A_bad_token_is_denied_with_the_reason_and_never_reaches_the_module(string kind, string reason)
    {
        var witness = await StartWitnessAsync();
        var capability = kind switch
        {
            "untrusted issuer" => Bearer(Issue("w/", issuer: Alice)),
            "outside the prefix" => Bearer(Issue("w/other/")),
            _ => new Capability(new byte[] { 0x83, 0x01, 0x02, 0xff, 0x00 }),
        };

        var completion = await Grid.CompleteAsync(Seq("w/hi"), capability);

        AssertStatus(CompletionStatus.Denied, completion);
        Assert.Contains(reason, completion.Reason);
        await witness.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task A_token_is_verified_once_however_many_copies_of_its_bytes_arrive()
    {
        await StartWitnessAsync();
        var token = Issue("w/");

        for (var i = 0; i < 20; i++)
        {
            // A fresh copy each time, as bytes arriving from another node would be.
            var completion = await Grid.CompleteAsync(Seq($"w/{i}"), new Capability(token.Encoded.ToArray()));
            AssertStatus(CompletionStatus.Completed, completion);
        }

        Assert.Equal(1, Runtime.Security.CachedTokens);
    }

    [Fact]
    public async Task A_holder_bound_token_needs_a_fresh_proof_by_its_holder_and_a_proof_works_once()
    {
        await StartWitnessAsync();
        var token = Issue("w/", holder: Alice.PublicKey);
        var sequence = Seq("w/mine");
        var proof = HolderProof.Create(Alice, sequence.Span, DateTimeOffset.UtcNow);

        var missing = await Grid.CompleteAsync(sequence, Bearer(token));
        var first = await Grid.CompleteAsync(sequence, new Capability(token.Encoded, proof));
        var replayed = await Grid.CompleteAsync(sequence, new Capability(token.Encoded, proof));
        var byAnother = await Grid.CompleteAsync(sequence, new Capability(token.Encoded, HolderProof.Create(Root, sequence.Span, DateTimeOffset.UtcNow)));
        var otherSequence = await Grid.CompleteAsync(Seq("w/yours"), new Capability(token.Encoded, HolderProof.Create(Alice, sequence.Span, DateTimeOffset.UtcNow)));

        AssertStatus(CompletionStatus.Denied, missing);
        Assert.Contains("holder proof is missing", missing.Reason);
        AssertStatus(CompletionStatus.Completed, first);
        AssertStatus(CompletionStatus.Denied, replayed);
        Assert.Contains("replayed nonce", replayed.Reason);
        AssertStatus(CompletionStatus.Denied, byAnother);
        Assert.Contains("not signed by the token's holder", byAnother.Reason);
        AssertStatus(CompletionStatus.Denied, otherSequence);
        Assert.Contains("another sequence", otherSequence.Reason);
    }

    [Fact]
    public async Task Revoking_a_link_through_sys_revoke_refuses_it_and_every_token_below_it()
    {
        await StartWitnessAsync();
        await AwaitAssertAsync(() => Assert.NotEmpty(RoutesOf(RevocationModule.Prefix)), Patience);
        var parent = Issue("w/", holder: Alice.PublicKey);
        var child = parent.Attenuate(Alice, Seq("w/c").Span, Issued.AddMinutes(30));
        var sibling = Issue("w/");
        AssertStatus(CompletionStatus.Completed, await Grid.CompleteAsync(Seq("w/c1"), Bearer(child)));

        // The holder may not revoke the link above her; the root that issued it may, with no token of its own.
        var byHolder = await Grid.CompleteAsync(Seq(RevocationModule.Prefix).Concat(new Sequence(RevocationStatement.Create(Alice, child, 0))), capability: null);
        var byIssuer = await Grid.CompleteAsync(Seq(RevocationModule.Prefix).Concat(new Sequence(RevocationStatement.Create(Root, child, 0))), capability: null);

        AssertStatus(CompletionStatus.Denied, byHolder);
        Assert.Contains("revocation refused", byHolder.Reason);
        AssertStatus(CompletionStatus.Completed, byIssuer);
        Assert.Equal($"revoked {child.Links[0].HashHex}", Text(byIssuer.Bytes));
        var after = await Grid.CompleteAsync(Seq("w/c2"), Bearer(child));
        AssertStatus(CompletionStatus.Denied, after);
        Assert.Contains("revoked", after.Reason);
        AssertStatus(CompletionStatus.Completed, await Grid.CompleteAsync(Seq("w/s"), Bearer(sibling)));
    }

    [Fact]
    public async Task A_module_calling_another_presents_the_nodes_own_token_not_the_callers()
    {
        var token = Issue("w/");
        using var system = ActorSystem.Create("with-token", ConfigurationFactory.ParseString($"""
            {TrustingConfig}
            promisegrid.security.token = "{token.ToText()}"
            """).WithFallback(GridSettings.DefaultConfig()));
        var grid = PromiseGrid.Kernel.Client.Grid.GetRuntime(system);
        system.ActorOf(Props.Create(() => new WitnessModule(ActorRefs.Nobody)));
        system.ActorOf(Props.Create<RelayModule>());
        await AwaitAssertAsync(() =>
        {
            Assert.NotEmpty(grid.Routes.Snapshot.ValuesOf(Seq("w/").Span));
            Assert.NotEmpty(grid.Routes.Snapshot.ValuesOf(Seq("relay/").Span));
        }, Patience);

        // The caller's token covers relay/ only; the relay reaches w/ with the node's token.
        var completion = await grid.CompleteAsync(Seq("relay/w/x"), Bearer(Issue("relay/")));

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("Completed:x", Text(completion.Bytes));
        await system.Terminate();
    }

    /// <summary><c>w/</c>: echoes the rest and tells the observer every sequence it was given.</summary>
    private sealed class WitnessModule(IActorRef observer) : ModuleActor("witness", "w/")
    {
        protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
        {
            observer.Tell(Utf8.From(request.Sequence));
            return ValueTask.FromResult(request.Rest);
        }
    }
}
