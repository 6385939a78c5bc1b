using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>CheckUse: the per-request checks on a cached verification (time window and prefix).</summary>
public sealed class VerifiedCapabilityTests
{
    private static readonly VerifiedCapability Verified = ThreeLinks().Verify(Trust); // echo/ab, Start..End-2d

    [Fact]
    public void A_sequence_under_the_prefix_within_the_window_is_allowed()
    {
        Assert.Null(Verified.CheckUse(Bytes("echo/ab"), TokenForge.Start));
        Assert.Null(Verified.CheckUse(Bytes(@"echo/abc\x00"), TokenForge.End.AddDays(-2).AddSeconds(-1)));
    }

    [Fact]
    public void Before_not_before_is_refused()
    {
        Assert.Equal("token not valid before 2030-01-01T00:00:00Z", Verified.CheckUse(Bytes("echo/ab"), TokenForge.Start.AddSeconds(-1)));
    }

    [Fact]
    public void At_or_after_the_expiry_is_refused()
    {
        Assert.Equal("token expired at 2030-01-29T00:00:00Z", Verified.CheckUse(Bytes("echo/ab"), TokenForge.End.AddDays(-2)));
        Assert.Equal("token expired at 2030-01-29T00:00:00Z", Verified.CheckUse(Bytes("echo/ab"), TokenForge.End.AddYears(1)));
    }

    [Theory]
    [InlineData("echo/a")]
    [InlineData("echo/b")]
    [InlineData("hash/sha256/x")]
    [InlineData("")]
    public void A_sequence_outside_the_leaf_prefix_is_refused(string sequence)
    {
        Assert.Equal($"sequence '{sequence}' is outside the token's prefix 'echo/ab'", Verified.CheckUse(Bytes(sequence), TokenForge.Start));
    }

    [Fact]
    public void The_window_is_the_intersection_of_every_link_window()
    {
        // The child starts later than the root; the chain is valid only from the child's start.
        var token = CapabilityToken.Issue(Root, Bytes("echo/"), TokenForge.Start, TokenForge.End, Alice.PublicKey)
            .Attenuate(Alice, Bytes("echo/"), TokenForge.End.AddDays(-10), Bob.PublicKey, notBefore: TokenForge.Start.AddDays(5));

        var verified = token.Verify(Trust);

        Assert.Equal(TokenForge.Start.AddDays(5), verified.NotBefore);
        Assert.Equal(TokenForge.End.AddDays(-10), verified.Expires);
        Assert.NotNull(verified.CheckUse(Bytes("echo/x"), TokenForge.Start.AddDays(1)));
    }

    [Fact]
    public void A_long_sequence_is_cut_in_the_reason()
    {
        var reason = Verified.CheckUse(new byte[100_000], TokenForge.Start);

        Assert.NotNull(reason);
        Assert.True(reason.Length < 200, reason);
        Assert.Contains("(100000 bytes)", reason);
    }

    [Fact]
    public void The_holder_key_is_made_once_and_kept()
    {
        Assert.Same(Verified.HolderKey, Verified.HolderKey);
        Assert.Equal(Carol.PublicKey, Verified.HolderKey!.PublicKey);
        Assert.False(Verified.HolderKey.HasPrivateKey);
    }

    [Fact]
    public void CheckUse_allocates_nothing_when_the_use_is_allowed()
    {
        var sequence = Bytes("echo/abcdef");
        Verified.CheckUse(sequence, TokenForge.Start); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();

        for (var i = 0; i < 1000; i++) Verified.CheckUse(sequence, TokenForge.Start);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
