using PromiseGrid.Kernel.Caching;

namespace PromiseGrid.Kernel.Tests.Caching;

/// <summary>The cache on its own: hits and misses, the size bound, second-chance eviction.</summary>
public sealed class CompletionCacheTests
{
    private static CompletionCache Cache(long maxBytes = 1 << 20, long maxEntryBytes = 1 << 20) => new(new CacheSettings(true, maxBytes, maxEntryBytes));

    private static Sequence Seq(string text) => Sequence.FromUtf8(text);

    [Fact]
    public void A_miss_then_a_hit_are_counted_and_the_hit_gives_the_bytes_kept()
    {
        var cache = Cache();

        Assert.False(cache.TryGet(Seq("k/1"), out _));
        cache.Add(Seq("k/1"), Seq("one"));
        Assert.True(cache.TryGet(Seq("k/1"), out var completion));

        Assert.Equal("one", Utf8.From(completion));
        Assert.Equal(1, cache.Hits);
        Assert.Equal(1, cache.Misses);
        Assert.Equal(1, cache.Count);
        Assert.Equal("k/1".Length + "one".Length, cache.Bytes);
    }

    [Fact]
    public void A_completion_is_copied_out_of_the_array_it_arrived_in()
    {
        var cache = Cache();
        var received = "xxone"u8.ToArray();

        cache.Add(Seq("k"), new Sequence(received).Slice(2));
        received[2] = (byte)'O';

        Assert.True(cache.TryGet(Seq("k"), out var completion));
        Assert.Equal("one", Utf8.From(completion));
    }

    [Fact]
    public void An_entry_over_the_entry_limit_is_not_kept()
    {
        var cache = Cache(maxEntryBytes: 10);

        cache.Add(Seq("k"), new Sequence(new byte[10]));

        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void Past_the_bound_the_cache_shrinks_below_it_and_keeps_the_entry_in_use()
    {
        var cache = Cache(maxBytes: 1000);
        var hot = Seq("hot");
        cache.Add(hot, new Sequence(new byte[97]));

        for (var i = 0; i < 50; i++)
        {
            cache.Add(Seq($"cold/{i:D3}"), new Sequence(new byte[91])); // 100 bytes each with the key
            Assert.True(cache.TryGet(hot, out _), $"the entry in use was evicted after {i + 1} adds");
            Assert.True(cache.Bytes <= 1000, $"{cache.Bytes} bytes after {i + 1} adds");
        }

        Assert.True(cache.Evictions >= 40);
    }

    [Fact]
    public void Clear_drops_every_entry_and_its_bytes()
    {
        var cache = Cache();
        cache.Add(Seq("a"), Seq("1"));
        cache.Add(Seq("b"), Seq("2"));

        cache.Clear();

        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
        Assert.False(cache.TryGet(Seq("a"), out _));
    }
}
