using System.Collections.Frozen;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// The hashes of revoked token links known to this node (lowercase hex). It only grows, as
/// the replicated set does: a revocation is forever. <see cref="Version"/> grows with every change, so a
/// cached token is checked against the list again only after the list changed.
/// </summary>
internal sealed class RevocationList
{
    private volatile FrozenSet<string> _hashes = FrozenSet<string>.Empty;
    private int _version;
    private readonly Lock _writeLock = new();

    public int Version => Volatile.Read(ref _version);

    public int Count => _hashes.Count;

    public bool Contains(string hashHex) => _hashes.Contains(hashHex);

    /// <summary>
    /// Adds the hashes (the replicated set as it arrived) and returns those that are new.
    /// Writers take a lock (revocations are rare); readers never do and see the old or the new set whole.
    /// </summary>
    public IReadOnlyList<string> Merge(IEnumerable<string> hashes)
    {
        lock (_writeLock)
        {
            var current = _hashes;
            var added = hashes.Where(h => !current.Contains(h)).Distinct(StringComparer.Ordinal).ToArray();
            if (added.Length == 0) return added;
            _hashes = current.Concat(added).ToFrozenSet(StringComparer.Ordinal);
            Interlocked.Increment(ref _version);
            return added;
        }
    }

    /// <summary>Adds one hash at once, before replication confirms it: this node refuses the link from now on.</summary>
    public bool Add(string hashHex) => Merge([hashHex]).Count > 0;
}
