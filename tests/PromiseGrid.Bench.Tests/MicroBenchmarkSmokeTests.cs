using PromiseGrid.Bench.Micro;
using PromiseGrid.Core;
using Xunit;

namespace PromiseGrid.Bench.Tests;

/// <summary>Each micro-benchmark's body runs once on small inputs, so the suite keeps working (no timing here).</summary>
public sealed class MicroBenchmarkSmokeTests
{
    [Fact]
    public void Trie_benchmark_hits_hit_and_misses_miss()
    {
        var bench = new PrefixTrieBenchmarks { Routes = 1000 };
        bench.Setup();
        Assert.True(bench.Hit() >= 1024 * 4, "every hit input matches a prefix of at least 4 bytes");
        Assert.Equal(0, bench.Miss());
    }

    [Theory]
    [InlineData("typical32")]
    [InlineData("random1KiB")]
    public void Notation_benchmark_round_trips(string input)
    {
        var bench = new SequenceTextBenchmarks { Input = input };
        bench.Setup();
        Assert.Equal(bench.Parse(), SequenceText.Parse(bench.Format()));
    }

    [Fact]
    public void Serializer_benchmark_round_trips()
    {
        var bench = new SerializerBenchmarks { SequenceBytes = 1024 };
        bench.Setup();
        try
        {
            Assert.NotNull(bench.RoundTrip());
        }
        finally
        {
            bench.Cleanup();
        }
    }
}
