using PromiseGrid.Kernel.Security;

namespace PromiseGrid.Kernel.Tests.Security;

/// <summary>The revocation set a node keeps: entries leave only once their link has expired (plus the grace).</summary>
public sealed class RevocationListTests
{
    private const long Grace = 30_000;
    private static readonly RevocationEntry Early = new(new string('a', 64), "signer-1", 1_000_000);
    private static readonly RevocationEntry Late = new(new string('b', 64), "signer-1", 5_000_000);
    private static readonly RevocationEntry Other = new(new string('c', 64), "signer-2", 1_000_000);

    [Fact]
    public void An_entry_survives_its_element_text()
    {
        var element = Late.ToElement();

        Assert.True(RevocationEntry.TryParse(element, out var parsed));
        Assert.Equal(Late, parsed);
        Assert.Equal($"5000000:signer-1:{new string('b', 64)}", element);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12:abc")]
    [InlineData("x:signer:hash")]
    [InlineData("-5:signer:hash")]
    [InlineData(":signer:hash")]
    [InlineData("12::hash")]
    [InlineData("12:signer:")]
    public void A_malformed_element_is_not_an_entry(string element)
    {
        Assert.False(RevocationEntry.TryParse(element, out _));
    }

    [Fact]
    public void Pruning_drops_only_entries_whose_link_expired_more_than_the_grace_ago()
    {
        var list = new RevocationList();
        list.Merge([Early, Late, Other]);
        var version = list.Version;

        Assert.Empty(list.Prune(Early.ExpiresUnixMs + Grace, Grace)); // within the grace: a slower clock may still call it valid
        var pruned = list.Prune(Early.ExpiresUnixMs + Grace + 1, Grace);

        Assert.Equal([Early, Other], pruned.OrderBy(e => e.HashHex));
        Assert.False(list.Contains(Early.HashHex));
        Assert.True(list.Contains(Late.HashHex));
        Assert.Equal(1, list.Count);
        Assert.True(list.Version > version);
    }

    [Fact]
    public void Entries_are_counted_per_signer_and_a_pruned_entry_no_longer_counts()
    {
        var list = new RevocationList();
        list.Merge([Early, Late, Other]);

        Assert.Equal(2, list.CountBySigner("signer-1"));
        Assert.Equal(1, list.CountBySigner("signer-2"));
        list.Prune(Early.ExpiresUnixMs + Grace + 1, Grace);
        Assert.Equal(1, list.CountBySigner("signer-1"));
        Assert.Equal(0, list.CountBySigner("signer-2"));
    }

    [Fact]
    public void Merging_what_is_known_changes_nothing()
    {
        var list = new RevocationList();
        Assert.True(list.Add(Early));
        var version = list.Version;

        Assert.Empty(list.Merge([Early]));
        Assert.False(list.Add(Early));
        Assert.Equal(version, list.Version);
    }
}
