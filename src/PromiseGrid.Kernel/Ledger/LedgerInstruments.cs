using System.Diagnostics.Metrics;

namespace PromiseGrid.Kernel.Ledger;

/// <summary>
/// The promise ledger's figures on the node's <see cref="Diagnostics.GridMeters.Ledger"/> meter, one series per
/// provider and prefix (tags <c>provider</c> and <c>prefix</c>), read from the records when collected.
/// </summary>
internal static class LedgerInstruments
{
    public static void Observe(Meter meter, PromiseLedger ledger)
    {
        meter.CreateObservableCounter("promisegrid_promises_kept", () => Each(ledger, r => r.Kept),
            description: "Promises kept (completed) per provider and prefix, as this node's requesters saw them.");
        meter.CreateObservableCounter("promisegrid_promises_broken", () => Each(ledger, r => r.Broken),
            description: "Promises broken (deadline passed or module failed) per provider and prefix, as this node's requesters saw them.");
        meter.CreateObservableGauge("promisegrid_promise_latency", () => Latencies(ledger), unit: "s",
            description: "Exponentially weighted mean latency of kept promises per provider and prefix.");
        meter.CreateObservableGauge("promisegrid_promise_score", () => Each(ledger, r => r.Score),
            description: "Recent reliability (0 to 1) per provider and prefix, which provider choice reads.");
    }

    private static IEnumerable<Measurement<T>> Each<T>(PromiseLedger ledger, Func<PromiseRecord, T> value) where T : struct =>
        ledger.Records().Select(r => new Measurement<T>(value(r), Tags(r)));

    /// <summary>Only records with a kept promise have a latency.</summary>
    private static IEnumerable<Measurement<double>> Latencies(PromiseLedger ledger) =>
        ledger.Records().Where(r => r.LatencyMs is not null).Select(r => new Measurement<double>(r.LatencyMs!.Value / 1000, Tags(r)));

    private static KeyValuePair<string, object?>[] Tags(PromiseRecord record) =>
        [new("provider", record.Provider), new("prefix", record.Prefix.ToString())];
}
