namespace PromiseGrid.Kernel.Ledger;

/// <summary>
/// What one completion says about the promise of the provider it went to (docs/architecture.md#the-promise-ledger); see
/// <see cref="PromiseLedger.OutcomeOf"/> for which status is which.
/// </summary>
internal enum PromiseOutcome : byte
{
    /// <summary>Not the provider's promise (the router or a capability check answered, the request was malformed, or the grid was full): not counted.</summary>
    NotCounted = 0,
    /// <summary>The provider completed the sequence.</summary>
    Kept = 1,
    /// <summary>The deadline passed, or the module failed.</summary>
    Broken = 2,
}
