using System.Collections.Frozen;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// The revocations this node knows (its own and those replicated from other nodes), each kept
/// until the link it names has expired (<see cref="RevocationEntry.IsSpent"/>). An entry never
/// leaves for any other reason, so a replica that has not yet seen an entry cannot make this
/// node forget it. <see cref="Version"/> grows with every change, so a cached token is checked
/// against the list again only after the list changed.
/// </summary>
internal sealed class RevocationList
{
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private int _version;
    private readonly Lock _writeLock = new();

    public int Version => Volatile.Read(ref _version);

    /// <summary>How many links are revoked.</summary>
    public int Count => _snapshot.Hashes.Count;

    public bool Contains(string hashHex) => _snapshot.Hashes.Contains(hashHex);

    /// <summary>The entries signed by <paramref name="signer"/> (base64url key) that are still in the list.</summary>
    public int CountBySigner(string signer) => _snapshot.Entries.Count(e => e.Signer == signer);

    public IReadOnlyCollection<RevocationEntry> Entries => _snapshot.Entries;

    /// <summary>
    /// Adds the entries (the replicated set as it arrived, or one local revocation) and returns
    /// those that are new. Writers take a lock (revocations are rare); readers never do and see
    /// the old or the new list whole.
    /// </summary>
    public IReadOnlyList<RevocationEntry> Merge(IEnumerable<RevocationEntry> entries)
    {
        lock (_writeLock)
        {
            var current = _snapshot;
            var added = entries.Where(e => !current.Entries.Contains(e)).Distinct().ToArray();
            if (added.Length == 0) return added;
            Publish(current.Entries.Concat(added));
            return added;
        }
    }

    /// <summary>Adds one entry at once, before replication confirms it: this node refuses the link from now on.</summary>
    public bool Add(RevocationEntry entry) => Merge([entry]).Count > 0;

    /// <summary>Drops the entries whose links expired more than <paramref name="graceMs"/> before <paramref name="nowUnixMs"/>; returns them.</summary>
    public IReadOnlyList<RevocationEntry> Prune(long nowUnixMs, long graceMs)
    {
        lock (_writeLock)
        {
            var current = _snapshot;
            var spent = current.Entries.Where(e => e.IsSpent(nowUnixMs, graceMs)).ToArray();
            if (spent.Length == 0) return spent;
            Publish(current.Entries.Except(spent));
            return spent;
        }
    }

    private void Publish(IEnumerable<RevocationEntry> entries)
    {
        var set = entries.ToFrozenSet();
        _snapshot = new Snapshot(set, set.Select(e => e.HashHex).ToFrozenSet(StringComparer.Ordinal));
        Interlocked.Increment(ref _version);
    }

    private sealed record Snapshot(FrozenSet<RevocationEntry> Entries, FrozenSet<string> Hashes)
    {
        public static readonly Snapshot Empty = new(FrozenSet<RevocationEntry>.Empty, FrozenSet<string>.Empty);
    }
}
