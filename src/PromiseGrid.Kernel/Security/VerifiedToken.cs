using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// A token whose signatures have been checked, as the guard caches it: what it allows, and
/// whether it was revoked as of a given version of the revocation list.
/// </summary>
internal sealed class VerifiedToken
{
    private readonly string[] _linkHashes;
    private RevocationCheck _lastCheck = new(-1, null);

    internal VerifiedToken(VerifiedCapability capability, ReadOnlyMemory<byte> source)
    {
        Capability = capability;
        Source = source;
        _linkHashes = capability.LinkHashes.Select(Convert.ToHexStringLower).ToArray();
    }

    public VerifiedCapability Capability { get; }

    /// <summary>
    /// The bytes first verified: a module that sees this very memory again (the same token
    /// instance riding on many local requests) skips the cache lookup.
    /// </summary>
    internal ReadOnlyMemory<byte> Source { get; }

    /// <summary>Why the token is refused as revoked, or null; the list is scanned again only after it changed.</summary>
    internal string? RevokedReason(RevocationList revoked)
    {
        var version = revoked.Version;
        var last = Volatile.Read(ref _lastCheck);
        if (version == last.Version) return last.Reason;
        string? reason = null;
        for (var i = 0; i < _linkHashes.Length; i++)
            if (revoked.Contains(_linkHashes[i]))
            {
                reason = i == _linkHashes.Length - 1
                    ? $"token revoked: link {i} ({_linkHashes[i][..16]}…) is revoked"
                    : $"token revoked: link {i} ({_linkHashes[i][..16]}…) above this token's leaf is revoked";
                break;
            }
        // One immutable pair, swapped whole: modules on several threads share this instance.
        Volatile.Write(ref _lastCheck, new RevocationCheck(version, reason));
        return reason;
    }

    private sealed record RevocationCheck(int Version, string? Reason);
}
