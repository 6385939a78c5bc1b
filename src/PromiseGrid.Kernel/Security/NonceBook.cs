using System.Collections.Concurrent;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// Holder-proof nonces seen by this node or replicated from others, each kept until its proof
/// could no longer pass the time check (proof time + proof-skew), so a proof is used once.
/// </summary>
internal sealed class NonceBook
{
    private readonly ConcurrentDictionary<string, long> _expiries = new(StringComparer.Ordinal);

    public int Count => _expiries.Count;

    /// <summary>True when the nonce was new and is now taken; false for a replay.</summary>
    public bool TryClaim(string nonceKey, long expiresUnixMs) => _expiries.TryAdd(nonceKey, expiresUnixMs);

    /// <summary>Records nonces other nodes claimed.</summary>
    public void Merge(string nonceKey, long expiresUnixMs) => _expiries.TryAdd(nonceKey, expiresUnixMs);

    /// <summary>Forgets nonces whose proofs have expired anyway; returns how many.</summary>
    public int Prune(long nowUnixMs)
    {
        var pruned = 0;
        foreach (var (key, expires) in _expiries)
            if (expires < nowUnixMs && _expiries.TryRemove(key, out _)) pruned++;
        return pruned;
    }
}
