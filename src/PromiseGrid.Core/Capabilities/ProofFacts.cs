namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// What a verified <see cref="HolderProof"/> says: its nonce and time. The verifier must refuse a
/// second proof with the same <see cref="NonceKey"/> while its time is within the skew window.
/// </summary>
public readonly record struct ProofFacts(byte[] Nonce, DateTimeOffset IssuedAt)
{
    /// <summary>
    /// Lower-case hex of the first 8 bytes of SHA-256(holder key) followed by the nonce: unique per
    /// holder, so two holders choosing the same nonce do not collide in a replay set.
    /// </summary>
    public string NonceKey { get; init; } = Convert.ToHexStringLower(Nonce);
}
