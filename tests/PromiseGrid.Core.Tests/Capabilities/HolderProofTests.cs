using System.Security.Cryptography;
using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>Holder proofs: the per-request signature a holder-bound token needs.</summary>
public sealed class HolderProofTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly TimeSpan Skew = CapabilityLimits.DefaultProofSkew;
    private static readonly byte[] Sequence = Bytes("echo/ab/hello");

    private static string Refused(byte[] proof, byte[]? holder = null, byte[]? sequence = null, DateTimeOffset? now = null) =>
        Refusal.Of(() => HolderProof.Verify(proof, holder ?? Carol.PublicKey, sequence ?? Sequence, now ?? Now, Skew));

    [Fact]
    public void A_proof_by_the_holder_for_this_sequence_now_verifies_and_reports_its_nonce()
    {
        var proof = HolderProof.Create(Carol, Sequence, Now);

        var facts = HolderProof.Verify(proof, Carol.PublicKey, Sequence, Now.AddSeconds(10), Skew);

        Assert.Equal(16, facts.Nonce.Length);
        Assert.Equal(Now, facts.IssuedAt);
        var keyHash = Convert.ToHexStringLower(SHA256.HashData(Carol.PublicKey).AsSpan(0, 8));
        Assert.Equal(keyHash + Convert.ToHexStringLower(facts.Nonce), facts.NonceKey);
        Assert.True(proof.Length <= CapabilityLimits.MaxProofBytes);
    }

    [Fact]
    public void Each_proof_has_a_fresh_nonce()
    {
        var first = HolderProof.Verify(HolderProof.Create(Carol, Sequence, Now), Carol.PublicKey, Sequence, Now, Skew);
        var second = HolderProof.Verify(HolderProof.Create(Carol, Sequence, Now), Carol.PublicKey, Sequence, Now, Skew);

        Assert.NotEqual(first.NonceKey, second.NonceKey);
    }

    [Fact]
    public void The_imported_key_overload_gives_the_same_facts()
    {
        var verified = ThreeLinks().Verify(Trust);
        var proof = HolderProof.Create(Carol, Sequence, Now);

        var facts = HolderProof.Verify(proof, verified.HolderKey!, Sequence, Now, Skew);

        Assert.Equal(HolderProof.Verify(proof, Carol.PublicKey, Sequence, Now, Skew).NonceKey, facts.NonceKey);
    }

    [Fact]
    public void A_proof_signed_by_another_key_is_refused()
    {
        Assert.Equal("holder proof is not signed by the token's holder", Refused(HolderProof.Create(Mallory, Sequence, Now)));
    }

    [Fact]
    public void A_proof_for_another_sequence_is_refused()
    {
        Assert.Equal("holder proof is for another sequence", Refused(HolderProof.Create(Carol, Bytes("echo/ab/other"), Now)));
    }

    [Theory]
    [InlineData(-31)]
    [InlineData(31)]
    [InlineData(-3600)]
    public void A_proof_outside_the_skew_is_refused(int offsetSeconds)
    {
        var proof = HolderProof.Create(Carol, Sequence, Now.AddSeconds(offsetSeconds));

        var reason = Refused(proof);

        Assert.Equal($"holder proof time {Now.AddSeconds(offsetSeconds):yyyy-MM-dd'T'HH:mm:ss'Z'} is more than 30 s from now (2030-01-02T03:04:05Z)", reason);
    }

    [Theory]
    [InlineData(-30)]
    [InlineData(30)]
    public void A_proof_at_the_edge_of_the_skew_is_allowed(int offsetSeconds)
    {
        HolderProof.Verify(HolderProof.Create(Carol, Sequence, Now.AddSeconds(offsetSeconds)), Carol.PublicKey, Sequence, Now, Skew);
    }

    [Fact]
    public void A_missing_proof_is_refused()
    {
        Assert.Equal("holder proof is missing (the token is bound to a holder key)", Refused([]));
    }

    [Fact]
    public void An_oversized_proof_is_refused_before_parsing()
    {
        Assert.Equal("holder proof is 513 bytes, over the limit of 512", Refused(new byte[513]));
    }

    [Fact]
    public void Malformed_proofs_are_refused_as_malformed()
    {
        var proof = HolderProof.Create(Carol, Sequence, Now);

        Assert.StartsWith("holder proof is malformed: ", Refused(proof[..^1]));
        Assert.StartsWith("holder proof is malformed: ", Refused([0x01, 0x02, 0x03]));
        // A token link is a COSE_Sign1 too, but its claims are not a proof's.
        Assert.Equal("holder proof is malformed: unknown claim 1", Refused(TokenForge.Links(ThreeLinks().Encoded)[2]));
    }

    [Fact]
    public void A_proof_with_a_flipped_signature_byte_is_refused()
    {
        var proof = HolderProof.Create(Carol, Sequence, Now);
        proof[^40] ^= 0x01;

        Assert.Equal("holder proof is not signed by the token's holder", Refused(proof));
    }

    [Fact]
    public void Random_proofs_are_always_refused_with_a_capability_reason()
    {
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var proof = new byte[random.Next(1, 200)];
            random.NextBytes(proof);
            if (i % 2 == 0) proof[0] = 0xd2; // tag 18, so the parse goes further
            Assert.StartsWith("holder proof ", Refused(proof));
        }
    }
}
