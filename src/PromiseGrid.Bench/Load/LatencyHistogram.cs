namespace PromiseGrid.Bench.Load;

/// <summary>
/// Log-linear latency histogram (64 sub-buckets per power of two, so a percentile is off by
/// at most 1/64): fixed size, no allocation per sample, safe for concurrent recorders.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;
    private readonly long[] _counts = new long[64 * SubBuckets];

    public void Record(long ticks)
    {
        if (ticks < 1) ticks = 1;
        Interlocked.Increment(ref _counts[IndexOf(ticks)]);
    }

    /// <summary>Adds every sample of <paramref name="other"/> (rounds of one figure are merged).</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
    }

    /// <summary>The value (in Stopwatch ticks) below which <paramref name="quantile"/> of the samples lie.</summary>
    public long Percentile(double quantile)
    {
        long total = 0;
        foreach (var count in _counts) total += count;
        if (total == 0) return 0;
        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return UpperBoundOf(i);
        }
        return UpperBoundOf(_counts.Length - 1);
    }

    private static int IndexOf(long value)
    {
        var magnitude = 63 - (int)long.LeadingZeroCount(value);
        if (magnitude < SubBucketBits) return (int)value;
        var shift = magnitude - SubBucketBits;
        var sub = (int)(value >> shift) & (SubBuckets - 1);
        return (magnitude - SubBucketBits + 1) * SubBuckets + sub;
    }

    private static long UpperBoundOf(int index)
    {
        var block = index / SubBuckets;
        var sub = index % SubBuckets;
        if (block == 0) return sub;
        var shift = block - 1;
        return ((long)(SubBuckets + sub + 1) << shift) - 1;
    }
}
