namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// The root keys a node trusts: a token's first link must be signed by one of them. Keys are
/// compared by their public point bytes. An empty set means the node enforces nothing.
/// </summary>
public sealed class TrustedIssuers
{
    private readonly byte[][] _keys;

    public TrustedIssuers(IEnumerable<GridKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var distinct = new List<byte[]>();
        foreach (var key in keys)
        {
            if (!distinct.Exists(k => k.AsSpan().SequenceEqual(key.PublicKey)))
                distinct.Add(key.PublicKey.ToArray());
        }
        _keys = [.. distinct];
    }

    /// <summary>No trusted keys: nothing is enforced.</summary>
    public static TrustedIssuers None { get; } = new([]);

    /// <summary>
    /// Reads each entry with <see cref="GridKey.Load"/>: a public key text, a PEM text, or the path
    /// of a file holding either. Only the public halves are kept.
    /// </summary>
    /// <exception cref="CapabilityException">An entry is not a key; the reason names it.</exception>
    public static TrustedIssuers Parse(IEnumerable<string> keysOrFiles)
    {
        ArgumentNullException.ThrowIfNull(keysOrFiles);
        var keys = new List<GridKey>();
        try
        {
            foreach (var entry in keysOrFiles)
            {
                if (string.IsNullOrWhiteSpace(entry)) continue;
                keys.Add(GridKey.Load(entry));
            }
            return new TrustedIssuers(keys);
        }
        finally
        {
            foreach (var key in keys) key.Dispose();
        }
    }

    public int Count => _keys.Length;

    /// <summary>The trusted public keys (65-byte points).</summary>
    public IReadOnlyList<byte[]> Keys => _keys;

    public bool Contains(ReadOnlySpan<byte> publicKey)
    {
        foreach (var key in _keys)
        {
            if (publicKey.SequenceEqual(key)) return true;
        }
        return false;
    }
}
