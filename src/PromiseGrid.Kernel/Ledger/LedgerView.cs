using System.Text.Json.Serialization;

namespace PromiseGrid.Kernel.Ledger;

/// <summary>
/// One ledger entry as operators see it, in <c>sys/ledger</c>: the provider, the prefix in text
/// notation and hex, lifetime counts, the latency estimate, the score provider choice uses,
/// and why the last broken promise was broken.
/// </summary>
public sealed record LedgerView(
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("prefix_hex")] string PrefixHex,
    [property: JsonPropertyName("kept")] long Kept,
    [property: JsonPropertyName("broken")] long Broken,
    [property: JsonPropertyName("latency_ms")] double? LatencyMs,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("last_reason")] string? LastReason)
{
    internal static LedgerView Of(PromiseRecord record) => new(
        record.Provider,
        record.Prefix.ToString(),
        Convert.ToHexStringLower(record.Prefix.Span),
        record.Kept,
        record.Broken,
        record.LatencyMs is { } ms ? Math.Round(ms, 3) : null,
        Math.Round(record.Score, 4),
        record.LastBrokenReason);
}
