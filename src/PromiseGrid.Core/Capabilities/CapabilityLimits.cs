namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// Hard limits on what a node will parse. They are checked before any signature work so a hostile
/// token costs a bounded amount of CPU and memory no matter what it claims.
/// </summary>
public static class CapabilityLimits
{
    /// <summary>Largest encoded token (the CBOR array of links) accepted.</summary>
    public const int MaxTokenBytes = 8192;

    /// <summary>Most links in one chain (the root plus seven delegations).</summary>
    public const int MaxDepth = 8;

    /// <summary>Longest prefix a link may name; matches the kernel's default route prefix limit.</summary>
    public const int MaxPrefixBytes = 1024;

    /// <summary>Largest holder proof accepted; a real one is about 130 bytes.</summary>
    public const int MaxProofBytes = 512;

    /// <summary>Largest revocation statement accepted: a full token plus its small envelope.</summary>
    public const int MaxRevocationStatementBytes = MaxTokenBytes + 512;

    /// <summary>How far a holder proof's time may be from the verifier's clock, either way.</summary>
    public static readonly TimeSpan DefaultProofSkew = TimeSpan.FromSeconds(30);
}
