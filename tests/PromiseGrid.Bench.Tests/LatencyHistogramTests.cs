using PromiseGrid.Bench.Load;
using Xunit;

namespace PromiseGrid.Bench.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_are_within_the_bucket_resolution()
    {
        var histogram = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) histogram.Record(v);

        AssertNear(50_000, histogram.Percentile(0.50));
        AssertNear(99_000, histogram.Percentile(0.99));
        AssertNear(99_900, histogram.Percentile(0.999));
    }

    [Fact]
    public void Small_values_are_exact_and_an_empty_histogram_reports_zero()
    {
        var histogram = new LatencyHistogram();
        Assert.Equal(0, histogram.Percentile(0.5));
        foreach (var v in new long[] { 3, 3, 3, 40 }) histogram.Record(v);
        Assert.Equal(3, histogram.Percentile(0.5));
        Assert.Equal(40, histogram.Percentile(1.0));
    }

    // 64 sub-buckets per power of two: at most 1/64 above the true value.
    private static void AssertNear(long expected, long actual) =>
        Assert.InRange(actual, expected, expected + expected / 64 + 1);
}
