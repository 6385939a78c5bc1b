using BenchmarkDotNet.Running;

namespace PromiseGrid.Bench.Micro;

/// <summary>
/// Entry point of the BenchmarkDotNet micro-benchmarks (README.md#micro-benchmarks): the prefix trie
/// lookup, the sequence text notation and the kernel serializer. The arguments are
/// BenchmarkDotNet's own (<c>--filter '*PrefixTrie*' --job short</c>, <c>--list flat</c>, ...).
/// </summary>
public static class MicroBenchmarks
{
    /// <summary>Every micro-benchmark class, in the order the switcher lists them.</summary>
    public static readonly Type[] Types =
    [
        typeof(PrefixTrieBenchmarks),
        typeof(SequenceTextBenchmarks),
        typeof(SerializerBenchmarks),
        typeof(MatMulBenchmarks),
    ];

    /// <summary>Runs BenchmarkDotNet's switcher over <see cref="Types"/> with <paramref name="args"/>; returns an exit code.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        // Without a filter the switcher asks interactively which benchmark to run; a run
        // from a script must not wait on the console, so no arguments means "all of them".
        var effective = args.Length == 0 ? ["--filter", "*"] : args;
        var summaries = BenchmarkSwitcher.FromTypes(Types).Run(effective);
        foreach (var summary in summaries)
            if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
                return 1;
        return 0;
    }
}
