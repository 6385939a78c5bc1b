namespace PromiseGrid.Kernel.Security;

/// <summary>What the guard says about one request.</summary>
internal readonly record struct GuardVerdict(GuardDecision Decision, string? Reason, string? NonceKey, long NonceExpiresUnixMs)
{
    public static readonly GuardVerdict Allowed = new(GuardDecision.Allowed, null, null, 0);

    public static GuardVerdict Denied(string reason) => new(GuardDecision.Denied, reason, null, 0);

    public static GuardVerdict AfterNonce(string key, long expiresUnixMs) => new(GuardDecision.AllowedOnceNonceReplicated, null, key, expiresUnixMs);
}

internal enum GuardDecision : byte
{
    Allowed,
    Denied,
    /// <summary>Allowed, once the other nodes have recorded the holder proof's nonce (so a replay there is refused too).</summary>
    AllowedOnceNonceReplicated,
}
