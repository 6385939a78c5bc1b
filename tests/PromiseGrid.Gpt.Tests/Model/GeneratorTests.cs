using PromiseGrid.Gpt.Model;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Model;

public class GeneratorTests
{
    [Fact]
    public void KV_cache_logits_equal_the_batched_forward_bit_for_bit()
    {
        var model = TinyGpt.Model(seed: 2, layers: 2, dim: 32, heads: 4, context: 12);
        var bytes = TinyGpt.RandomBytes(3, 12);
        model.Forward(bytes, default, 1, bytes.Length);
        var batched = Enumerable.Range(0, bytes.Length).Select(t => model.Logits(0, t).ToArray()).ToList();

        var cache = new KvCache(model);
        for (int t = 0; t < bytes.Length; t++)
            Assert.Equal(FloatBits.Of(batched[t]), FloatBits.Of(cache.Append(bytes[t])));
        Assert.Throws<InvalidOperationException>(() => cache.Append(0));
    }

    [Theory]
    [InlineData(0f, 0, 0)]     // greedy
    [InlineData(1f, 0, 7)]     // full distribution
    [InlineData(0.8f, 5, 8)]   // temperature and top-k
    public void Generation_with_and_without_the_KV_cache_gives_identical_bytes(float temperature, int topK, int seed)
    {
        // Context 8 and 40 bytes: the window fills and is cut several times.
        var model = TinyGpt.Model(seed: 4, context: 8);
        var generator = new Generator(model);
        var options = new SamplingOptions(temperature, topK, seed);
        var prompt = "grid"u8.ToArray();

        var cached = generator.Generate(prompt, 40, options, useCache: true);
        var uncached = generator.Generate(prompt, 40, options, useCache: false);

        Assert.Equal(40, cached.Length);
        Assert.Equal(uncached, cached);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_and_an_empty_prompt_are_handled_alike_with_and_without_the_cache()
    {
        var generator = new Generator(TinyGpt.Model(seed: 4, context: 8));
        var options = new SamplingOptions(1f, 0, Seed: 5);
        var longPrompt = TinyGpt.RandomBytes(6, 20);
        Assert.Equal(generator.Generate(longPrompt, 12, options, useCache: false), generator.Generate(longPrompt, 12, options));
        // Only the last Context bytes of a long prompt matter.
        Assert.Equal(generator.Generate(longPrompt[^8..], 12, options), generator.Generate(longPrompt, 12, options));
        // An empty prompt reads as a single newline.
        Assert.Equal(generator.Generate("\n"u8, 12, options), generator.Generate(ReadOnlySpan<byte>.Empty, 12, options));
        Assert.Empty(generator.Generate("x"u8, 0, options));
    }

    [Fact]
    public void Same_seed_same_bytes_and_another_seed_other_bytes()
    {
        var generator = new Generator(TinyGpt.Model(seed: 4));
        var a = generator.Generate("x"u8, 32, new SamplingOptions(1f, 0, Seed: 1));
        var b = generator.Generate("x"u8, 32, new SamplingOptions(1f, 0, Seed: 1));
        var c = generator.Generate("x"u8, 32, new SamplingOptions(1f, 0, Seed: 2));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task Streaming_yields_the_same_bytes_and_stops_before_the_stop_byte()
    {
        var generator = new Generator(TinyGpt.Model(seed: 4));
        var options = new SamplingOptions(1f, 0, Seed: 3);
        var full = generator.Generate("ab"u8, 64, options);
        var streamed = new List<byte>();
        await foreach (byte b in generator.GenerateAsync("ab"u8.ToArray(), 64, options))
            streamed.Add(b);
        Assert.Equal(full, streamed);

        // Stop at the first byte value that the unstopped run produced at position 10.
        byte stop = full[10];
        int first = Array.IndexOf(full, stop);
        var stopped = generator.Generate("ab"u8, 64, options with { StopByte = stop });
        Assert.Equal(full[..first], stopped);
    }

    [Fact]
    public void Sampler_is_greedy_at_temperature_zero_and_respects_top_k()
    {
        var logits = new float[256];
        logits[7] = 5f;
        logits[9] = 4.9f;
        logits[200] = 4.8f;
        var random = new Random(1);
        Assert.Equal(7, Sampler.Next(logits, SamplingOptions.Greedy, random));
        var drawn = Enumerable.Range(0, 300).Select(_ => Sampler.Next(logits, new SamplingOptions(1f, TopK: 2), random)).ToHashSet();
        Assert.Equal(new HashSet<byte> { 7, 9 }, drawn);
        Assert.Throws<ArgumentException>(() => new SamplingOptions(-1f).Validate());
    }
}
