using System.Globalization;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// One revocation as the grid keeps it: the revoked link's hash (lower-case hex), the key that
/// signed the statement (base64url, for the per-signer limit) and when the link expires (Unix
/// ms; past it the link is refused as expired anyway, so the entry can go).
/// </summary>
/// <remarks>
/// Replicated as the string <c>"&lt;expires&gt;:&lt;signer&gt;:&lt;hash&gt;"</c>, an element of an ORSet: the three
/// parts never change for a given statement's link, so two nodes recording the same revocation
/// record the same element, and DData serializes strings without any serializer of ours.
/// Neither base64url nor hex contains ':'.
/// </remarks>
internal readonly record struct RevocationEntry(string HashHex, string Signer, long ExpiresUnixMs)
{
    public string ToElement() => string.Create(CultureInfo.InvariantCulture, $"{ExpiresUnixMs}:{Signer}:{HashHex}");

    public static bool TryParse(string element, out RevocationEntry entry)
    {
        entry = default;
        var first = element.IndexOf(':');
        var last = element.LastIndexOf(':');
        if (first <= 0 || last <= first + 1 || last == element.Length - 1) return false;
        if (!long.TryParse(element.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)) return false;
        entry = new RevocationEntry(element[(last + 1)..], element[(first + 1)..last], expires);
        return true;
    }

    /// <summary>
    /// True once the entry may leave the set: <paramref name="graceMs"/> after the link expired, so
    /// a node whose clock is behind by up to that much still refuses the link as revoked until its
    /// own clock calls it expired.
    /// </summary>
    public bool IsSpent(long nowUnixMs, long graceMs) => ExpiresUnixMs + graceMs < nowUnixMs;
}
