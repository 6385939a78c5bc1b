using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Hosting.Dashboard;

/// <summary>
/// What one dashboard reader may see (README.md#observe-the-dashboard). A node that checks no tokens shows
/// everything. On a node that does, a section is shown whole when the reader's token covers the
/// <c>sys/</c> query that already answers it through the grid (<c>sys/members</c>,
/// <c>sys/routes</c>, <c>sys/ledger</c>, <c>sys/cache</c>): the page then shows nothing the token
/// could not read anyway. Routes and ledger rows are otherwise filtered to those whose prefix
/// overlaps the token's (one starts with the other: the route serves sequences the token may
/// complete); members, cache and the completion rate (a node-wide figure, shown with the ledger)
/// are hidden.
/// </summary>
internal sealed class DashboardScope
{
    private static readonly byte[] MembersQuery = "sys/members"u8.ToArray();
    private static readonly byte[] RoutesQuery = "sys/routes"u8.ToArray();
    private static readonly byte[] LedgerQuery = "sys/ledger"u8.ToArray();
    private static readonly byte[] CacheQuery = "sys/cache"u8.ToArray();

    private readonly byte[]? _prefix;

    private DashboardScope(byte[]? prefix)
    {
        _prefix = prefix;
        Members = Covers(MembersQuery);
        AllRoutes = Covers(RoutesQuery);
        AllLedger = Covers(LedgerQuery);
        Cache = Covers(CacheQuery);
    }

    /// <summary>A node that checks no tokens: everything.</summary>
    public static DashboardScope Everything { get; } = new(null);

    /// <summary>What a verified token's prefix covers.</summary>
    public static DashboardScope Of(VerifiedCapability token) => new(token.Prefix);

    /// <summary>The token's prefix in text notation; null when nothing is checked.</summary>
    public string? Prefix => _prefix is null ? null : new Sequence(_prefix).ToString();

    public bool Members { get; }
    public bool AllRoutes { get; }
    public bool AllLedger { get; }
    public bool Cache { get; }

    /// <summary>The completion rate counts every completion of the node, as the ledger does.</summary>
    public bool Completions => AllLedger;

    public bool ShowsRoute(ReadOnlySpan<byte> prefix) => AllRoutes || Overlaps(prefix);

    public bool ShowsLedger(ReadOnlySpan<byte> prefix) => AllLedger || Overlaps(prefix);

    private bool Covers(ReadOnlySpan<byte> sequence) => _prefix is null || sequence.StartsWith(_prefix);

    private bool Overlaps(ReadOnlySpan<byte> prefix) => _prefix is null || prefix.StartsWith(_prefix) || _prefix.AsSpan().StartsWith(prefix);
}
