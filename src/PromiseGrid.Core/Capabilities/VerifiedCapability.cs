using PromiseGrid.Core.Capabilities.Internal;

namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// A token whose chain has been verified against a set of trusted issuers: what a node caches per
/// token so that each further use costs a prefix comparison and two time comparisons. Immutable.
/// </summary>
public sealed class VerifiedCapability
{
    private GridKey? _holderKey;

    internal VerifiedCapability(CapabilityToken token)
    {
        Token = token;
        var links = token.Links;
        var notBefore = links[0].NotBefore;
        var expires = links[0].Expires;
        var hashes = new byte[links.Count][];
        for (var i = 0; i < links.Count; i++)
        {
            if (links[i].NotBefore > notBefore) notBefore = links[i].NotBefore;
            if (links[i].Expires < expires) expires = links[i].Expires;
            hashes[i] = links[i].Hash;
        }
        NotBefore = notBefore;
        Expires = expires;
        LinkHashes = hashes;
    }

    public CapabilityToken Token { get; }

    /// <summary>The leaf's prefix: every sequence used with this token must start with it.</summary>
    public byte[] Prefix => Token.Leaf.Prefix;

    /// <summary>The latest not-before over the chain.</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>The earliest expiry over the chain (the first instant the token is no longer valid).</summary>
    public DateTimeOffset Expires { get; }

    /// <summary>The leaf's holder key (65 bytes); null for a bearer token.</summary>
    public byte[]? Holder => Token.Leaf.Holder;

    /// <summary>The trusted root issuer's key.</summary>
    public byte[] Root => Token.Links[0].Issuer;

    /// <summary>The links' hashes, root first: what revocation is checked against.</summary>
    public IReadOnlyList<byte[]> LinkHashes { get; }

    /// <summary>
    /// The holder's key ready for <see cref="HolderProof.Verify(ReadOnlySpan{byte}, GridKey, ReadOnlySpan{byte}, DateTimeOffset, TimeSpan)"/>,
    /// made once and kept with the cached verification; null for a bearer token.
    /// </summary>
    public GridKey? HolderKey
    {
        get
        {
            if (Holder is null) return null;
            if (_holderKey is { } known) return known;
            var made = GridKey.FromPublicKey(Holder);
            var winner = Interlocked.CompareExchange(ref _holderKey, made, null);
            if (winner is null) return made;
            made.Dispose();
            return winner;
        }
    }

    /// <summary>
    /// Whether <paramref name="sequence"/> may be completed with this token at <paramref name="now"/>:
    /// null when it may, else the reason. Allocates nothing when the answer is yes.
    /// </summary>
    public string? CheckUse(ReadOnlySpan<byte> sequence, DateTimeOffset now)
    {
        if (now >= Expires) return $"token expired at {UnixTime.Format(Expires)}";
        if (now < NotBefore) return $"token not valid before {UnixTime.Format(NotBefore)}";
        var prefix = Token.Leaf.Prefix;
        if (!sequence.StartsWith(prefix))
            return $"sequence '{SequenceText.Format(sequence, 48)}' is outside the token's prefix '{CapabilityToken.Show(prefix)}'";
        return null;
    }
}
