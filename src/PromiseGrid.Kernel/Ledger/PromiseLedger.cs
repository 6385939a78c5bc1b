using System.Collections.Concurrent;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Ledger;

/// <summary>
/// This node's promise ledger (docs/architecture.md#the-promise-ledger): per provider and prefix, how many promises were
/// kept and broken, a latency estimate and a recent-reliability score, as this node's own
/// requesters saw them. Provider choice (<see cref="ProviderChoice"/>) reads the scores;
/// <c>sys/ledger</c> and <c>/metrics</c> show the records.
/// </summary>
/// <remarks>
/// <para>Outcome rules (<see cref="OutcomeOf"/>): a <see cref="CompletionStatus.Completed"/>
/// completion is a promise kept, and its latency is recorded; <see cref="CompletionStatus.BrokenPromise"/>
/// (the deadline passed) and <see cref="CompletionStatus.ModuleFailed"/> are promises broken;
/// NoRoute, Denied, TooLarge, Overloaded, BadRequest and TooDeep are not the provider's promise and are not counted.
/// A request whose deadline had passed before it was sent, or that its requester cancelled,
/// reached no provider and is not counted either.</para>
/// <para>Recorded only by this node's requesters (<c>GridClient.CompleteAsync</c>): a promise
/// is assessed by whoever relied on it, and no node trusts another's account.</para>
/// <para>The router resolves each route's record once, when it rebuilds its route snapshot, and
/// keeps it on the <see cref="Routing.Route"/>; recording then touches only that record. Looking
/// a record up by name is for rare paths. Records are kept for the node's lifetime, also after
/// their provider has gone, so the counts stay a history.</para>
/// </remarks>
public sealed class PromiseLedger
{
    private readonly ConcurrentDictionary<(string Provider, Sequence Prefix), PromiseRecord> _records = new();

    internal PromiseLedger() { }

    /// <summary>Which outcome a completion status is for the provider's promise (see the type's remarks).</summary>
    internal static PromiseOutcome OutcomeOf(CompletionStatus status) => status switch
    {
        CompletionStatus.Completed => PromiseOutcome.Kept,
        CompletionStatus.BrokenPromise or CompletionStatus.ModuleFailed => PromiseOutcome.Broken,
        _ => PromiseOutcome.NotCounted,
    };

    /// <summary>How many (provider, prefix) records the ledger holds.</summary>
    public int Count => _records.Count;

    /// <summary>The record of <paramref name="provider"/> for <paramref name="prefix"/>, created empty (score 1) on first use.</summary>
    internal PromiseRecord For(string provider, Sequence prefix) =>
        _records.TryGetValue((provider, prefix), out var record)
            ? record
            // The key keeps its own copy: a prefix read off the wire may be a slice of a whole message.
            : _records.GetOrAdd((provider, Sequence.CopyOf(prefix.Span)), static key => new PromiseRecord(key.Provider, key.Prefix));

    /// <summary>The record of <paramref name="provider"/> for <paramref name="prefix"/>, if one exists.</summary>
    public bool TryGet(string provider, Sequence prefix, out PromiseRecord record) =>
        _records.TryGetValue((provider, prefix), out record!);

    /// <summary>Every record, sorted by prefix (unsigned bytes) and then provider.</summary>
    public IReadOnlyList<PromiseRecord> Records()
    {
        var records = _records.Values.ToList();
        records.Sort(static (a, b) => a.Prefix.CompareTo(b.Prefix) is var c && c != 0 ? c : string.CompareOrdinal(a.Provider, b.Provider));
        return records;
    }

    /// <summary>Every record as operators see it (<c>sys/ledger</c>), in <see cref="Records"/> order.</summary>
    public IReadOnlyList<LedgerView> Views() => Records().Select(LedgerView.Of).ToList();
}
