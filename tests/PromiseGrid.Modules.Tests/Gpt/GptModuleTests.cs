using System.Text;
using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Modules.Gpt;
using PromiseGrid.Modules.Tests.Store;

namespace PromiseGrid.Modules.Tests.Gpt;

/// <summary>
/// gpt/ on one node, with a tiny random model saved as a checkpoint: the module's completion is
/// exactly <see cref="Generator.Generate"/>'s on the same model and options, so the module adds
/// nothing of its own; plus the refusals, the missing model, the bounds and the deadline.
/// </summary>
public sealed class GptModuleTests(ITestOutputHelper output) : ModuleTestKit(LocalConfig, output)
{
    private const int MaxBytes = 200;
    private static readonly GptConfig TinyConfig = new(Layers: 2, Dim: 16, Heads: 2, Context: 32);

    private readonly TempFolder _root = new("pg-gpt-");

    protected override void AfterAll()
    {
        base.AfterAll();
        _root.Dispose();
    }

    private GptSettings SettingsFor(string path, int concurrency = 2, int maxQueued = 32, int maxBytes = MaxBytes, bool batching = false) =>
        new(path, DefaultBytes: 64, MaxBytes: maxBytes, Concurrency: concurrency, MaxQueued: maxQueued, Batching: batching);

    /// <summary>A random model (never trained: its bytes are noise, but deterministic noise) saved under the temp folder.</summary>
    private (GptModel Model, string Path) SaveModel(GptConfig? config = null, int seed = 7, string name = "model.safetensors")
    {
        var model = new GptModel(config ?? TinyConfig, seed);
        var path = _root.Combine(name);
        GptCheckpoint.Save(model, path);
        return (model, path);
    }

    private async Task<GptModel> StartWithModelAsync(int concurrency = 2, int maxQueued = 32, GptConfig? config = null, int maxBytes = MaxBytes,
        bool batching = false)
    {
        var (model, path) = SaveModel(config);
        await StartModuleAsync(GptModule.Props(SettingsFor(path, concurrency, maxQueued, maxBytes, batching)), GptModule.Prefix);
        return model;
    }

    private static byte[] Expected(GptModel model, string prompt, int count, SamplingOptions options) =>
        new Generator(model).Generate(Encoding.UTF8.GetBytes(prompt), count, options);

    private Task<Completion> CompleteTextAsync(string sequence, TimeSpan? deadline = null) =>
        Grid.CompleteAsync(Sequence.FromUtf8(sequence), deadline).WaitAsync(TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Without_options_the_completion_is_the_generators_continuation_with_the_defaults()
    {
        var model = await StartWithModelAsync();

        var completion = await CompleteTextAsync("gpt/Once upon a time");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(Expected(model, "Once upon a time", 64, new SamplingOptions(0.8f, 40, 0)), completion.Bytes.Span.ToArray());
        Assert.Equal(64, completion.Bytes.Length);
        Assert.Equal($"gpt@{SelfAddress}", completion.Provider);
    }

    [Theory]
    [InlineData("n=10/", "", 10, 0.8f, 40, 0)]
    [InlineData("t=0/", "hello", 64, 0f, 40, 0)]
    [InlineData("t=1.5,k=0/", "hello", 64, 1.5f, 0, 0)]
    [InlineData("k=1/", "hello", 64, 0.8f, 1, 0)]
    [InlineData("s=12345/", "hello", 64, 0.8f, 40, 12345)]
    [InlineData("n=150,t=0.3,k=7,s=9/", "a/b,c", 150, 0.3f, 7, 9)]
    public async Task With_options_the_completion_is_the_generators_continuation_with_those_options(string options, string prompt, int count, float temperature, int topK, int seed)
    {
        var model = await StartWithModelAsync();

        var completion = await CompleteTextAsync("gpt/" + options + prompt);

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(Expected(model, prompt, count, new SamplingOptions(temperature, topK, seed)), completion.Bytes.Span.ToArray());
    }

    [Fact]
    public async Task Different_seeds_give_different_samples_and_the_same_seed_the_same_one_from_the_cache()
    {
        await StartWithModelAsync();

        var first = await CompleteTextAsync("gpt/s=1/hello");
        var other = await CompleteTextAsync("gpt/s=2/hello");
        var hits = Runtime.Cache.Hits;
        var again = await CompleteTextAsync("gpt/s=1/hello");

        Assert.NotEqual(first.Bytes, other.Bytes);
        Assert.Equal(first.Bytes, again.Bytes);
        Assert.Equal(hits + 1, Runtime.Cache.Hits); // the route is pure: the repeat was not generated again
        Assert.Contains(Runtime.Routes.Snapshot.ValuesOf(Sequence.FromText("gpt/").Span), route => route.Pure);
    }

    [Fact]
    public async Task Generation_ends_before_the_stop_byte_which_is_not_returned()
    {
        var model = await StartWithModelAsync();
        var free = Expected(model, "hello", 64, new SamplingOptions(0.8f, 40, 3));
        var stop = free[5]; // a byte the sample does produce, at or before position 5
        var before = Array.IndexOf(free, stop);

        var completion = await CompleteTextAsync($"gpt/s=3,stop={stop:x2}/hello");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(free[..before], completion.Bytes.Span.ToArray());
        Assert.Equal(Expected(model, "hello", 64, new SamplingOptions(0.8f, 40, 3, stop)), completion.Bytes.Span.ToArray());
    }

    [Fact]
    public async Task A_streamed_request_gets_the_first_byte_at_once_then_parts_that_add_up_to_a_prefix_of_the_completion()
    {
        var (model, path) = SaveModel();
        var module = await StartModuleAsync(GptModule.Props(SettingsFor(path)), GptModule.Prefix);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20).ToUnixTimeMilliseconds();

        module.Tell(new Complete(77, Sequence.FromUtf8("gpt/n=200,s=5/stream me"), deadline, Stream: true), TestActor);

        var parts = new List<Sequence>();
        Completion? completion = null;
        while (completion is null)
        {
            switch (await ExpectMsgAsync<IKernelMessage>(TimeSpan.FromSeconds(20)))
            {
                case CompletionPart part:
                    Assert.Equal(77, part.Id);
                    parts.Add(part.Bytes);
                    break;
                case Completion done:
                    completion = done;
                    break;
            }
        }
        AssertStatus(CompletionStatus.Completed, completion);
        var expected = Expected(model, "stream me", 200, new SamplingOptions(0.8f, 40, 5));
        Assert.Equal(expected, completion.Bytes.Span.ToArray());
        Assert.Equal(1, parts[0].Length);
        Assert.True(parts.Count >= 4, $"{parts.Count} parts"); // 1 byte, then at most 64 at a time
        Assert.All(parts, part => Assert.InRange(part.Length, 1, 64));
        var streamed = parts.SelectMany(part => part.Span.ToArray()).ToArray();
        Assert.Equal(expected[..streamed.Length], streamed);
    }

    [Fact]
    public async Task N_may_be_as_large_as_max_bytes_and_no_larger()
    {
        await StartWithModelAsync();

        var largest = await CompleteTextAsync($"gpt/n={MaxBytes}/x");
        var over = await CompleteTextAsync($"gpt/n={MaxBytes + 1}/x");

        AssertStatus(CompletionStatus.Completed, largest);
        Assert.Equal(MaxBytes, largest.Bytes.Length);
        AssertStatus(CompletionStatus.BadRequest, over);
        Assert.Contains($"from 1 to {MaxBytes} (promisegrid.gpt.max-bytes)", over.Reason);
    }

    [Theory]
    [InlineData("gpt/n=abc/x", "got 'abc'")]
    [InlineData("gpt/k=999/x", "k=999 is out of range")]
    [InlineData("gpt/n=5,z=1/x", "unknown option 'z'")]
    [InlineData("gpt/t=0.5", "no closing '/'")]
    public async Task Malformed_options_are_a_bad_request_with_the_reason(string sequence, string reason)
    {
        await StartWithModelAsync();

        var completion = await CompleteTextAsync(sequence);

        AssertStatus(CompletionStatus.BadRequest, completion);
        Assert.Contains(reason, completion.Reason);
    }

    [Fact]
    public async Task Without_a_model_file_requests_fail_saying_how_to_make_one_and_the_module_loads_it_once_it_appears()
    {
        var path = _root.Combine("later", "model.safetensors");
        await StartModuleAsync(GptModule.Props(SettingsFor(path)), GptModule.Prefix);

        var first = await CompleteTextAsync("gpt/hello");
        var second = await CompleteTextAsync("gpt/n=5/hello");
        var malformed = await CompleteTextAsync("gpt/n=x/hello");

        AssertStatus(CompletionStatus.ModuleFailed, first);
        Assert.Contains(path, first.Reason);
        Assert.Contains($"pgrid gpt train --corpus FILE --out {path}", first.Reason);
        AssertStatus(CompletionStatus.ModuleFailed, second);
        AssertStatus(CompletionStatus.BadRequest, malformed);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var model = new GptModel(TinyConfig, seed: 11);
        GptCheckpoint.Save(model, path);
        var loaded = await CompleteTextAsync("gpt/n=5/hello");

        AssertStatus(CompletionStatus.Completed, loaded);
        Assert.Equal(Expected(model, "hello", 5, new SamplingOptions(0.8f, 40, 0)), loaded.Bytes.Span.ToArray());
    }

    [Fact]
    public async Task A_corrupt_model_file_fails_requests_with_the_checkpoint_error()
    {
        var (_, path) = SaveModel();
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        await StartModuleAsync(GptModule.Props(SettingsFor(path)), GptModule.Prefix);

        var completion = await CompleteTextAsync("gpt/hello");

        AssertStatus(CompletionStatus.ModuleFailed, completion);
        Assert.Contains("the model on this node cannot be used", completion.Reason);
        Assert.Contains(path, completion.Reason);
    }

    [Fact]
    public async Task Concurrent_requests_beyond_the_concurrency_wait_their_turn_and_are_all_answered_exactly()
    {
        var model = await StartWithModelAsync(concurrency: 1, maxQueued: 20);

        var completions = await Task.WhenAll(Enumerable.Range(0, 12).Select(seed => CompleteTextAsync($"gpt/n=40,s={seed}/prompt")));

        for (var seed = 0; seed < completions.Length; seed++)
        {
            AssertStatus(CompletionStatus.Completed, completions[seed]);
            Assert.Equal(Expected(model, "prompt", 40, new SamplingOptions(0.8f, 40, seed)), completions[seed].Bytes.Span.ToArray());
        }
    }

    /// <summary>
    /// Sixteen requests with different prompts, lengths and options run six at a time, the
    /// others joining as earlier ones leave (batched: sharing the decoding steps), and each is
    /// answered with exactly the bytes the generator gives it alone.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_requests_each_get_the_bytes_they_get_alone(bool batching)
    {
        var model = await StartWithModelAsync(concurrency: 6, maxQueued: 20, batching: batching);
        var requests = Enumerable.Range(0, 16).Select(i => (
            Prompt: new string((char)('a' + i), 1 + i % 5),
            Count: 10 + 7 * i,
            Options: new SamplingOptions(i % 4 == 0 ? 0f : 0.5f + 0.1f * i, i % 3 == 0 ? 0 : 5 + i, i))).ToArray();

        var completions = await Task.WhenAll(requests.Select(r => CompleteTextAsync(
            FormattableString.Invariant($"gpt/n={r.Count},t={r.Options.Temperature},k={r.Options.TopK},s={r.Options.Seed}/{r.Prompt}"))));

        for (var i = 0; i < requests.Length; i++)
        {
            AssertStatus(CompletionStatus.Completed, completions[i]);
            Assert.Equal(Expected(model, requests[i].Prompt, requests[i].Count, requests[i].Options), completions[i].Bytes.Span.ToArray());
        }
    }

    /// <summary>
    /// A generation far longer than its deadline holds the one slot: a second request waits, a
    /// third is Overloaded (no queue room); at the deadlines both held ones are BrokenPromise, and
    /// the slot is free again, so the generation really stopped.
    /// </summary>
    [Fact]
    public async Task The_deadline_stops_a_running_or_waiting_generation_and_a_full_queue_is_overloaded()
    {
        // Tens of microseconds a byte: a million bytes take many seconds, the deadline is 1.5 s.
        const int Long = 1_000_000;
        await StartWithModelAsync(concurrency: 1, maxQueued: 1, config: new GptConfig(Layers: 2, Dim: 64, Heads: 4, Context: 64), maxBytes: Long);

        var running = CompleteTextAsync($"gpt/n={Long}/x", TimeSpan.FromSeconds(1.5));
        var waiting = CompleteTextAsync($"gpt/n={Long},s=1/x", TimeSpan.FromSeconds(1.5));
        var refused = await CompleteTextAsync("gpt/n=1/x");

        AssertStatus(CompletionStatus.Overloaded, refused);
        Assert.Contains("promisegrid.gpt.max-queued", refused.Reason);
        AssertStatus(CompletionStatus.BrokenPromise, await running);
        AssertStatus(CompletionStatus.BrokenPromise, await waiting);
        // The requester stops waiting at its deadline; the module notices on its next byte, which on a
        // loaded machine may be a moment later. Then both slots are free again: had the deadline not
        // stopped the generations, a million bytes would hold them for minutes.
        await AwaitAssertAsync(async () => AssertStatus(CompletionStatus.Completed, await CompleteTextAsync("gpt/n=3/x")),
            TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task With_the_fallback_on_the_model_completes_what_no_longer_prefix_serves_with_the_fallback_options()
    {
        var (model, path) = SaveModel();
        var settings = SettingsFor(path) with { Fallback = true, FallbackOptions = "n=9,t=0,k=5,s=4" };
        await StartModuleAsync(GptModule.Props(settings), GptModule.Prefix, "");
        await StartModuleAsync(EchoModule.Props(), "echo/");

        var unserved = await CompleteTextAsync("Once upon");
        AssertStatus(CompletionStatus.Completed, unserved);
        Assert.Equal(Expected(model, "Once upon", 9, new SamplingOptions(0f, 5, 4)), unserved.Bytes.Span.ToArray());
        // The whole sequence is the prompt, options-like bytes included: no gpt/ grammar applies.
        var optionLike = await CompleteTextAsync("n=3/x");
        Assert.Equal(Expected(model, "n=3/x", 9, new SamplingOptions(0f, 5, 4)), optionLike.Bytes.Span.ToArray());

        AssertStatus(CompletionStatus.Completed, await CompleteTextAsync("echo/mine"));
        Assert.Equal("mine", (await CompleteTextAsync("echo/mine")).Bytes.ToString());
        var asked = await CompleteTextAsync("gpt/n=4/hi");
        Assert.Equal(Expected(model, "hi", 4, new SamplingOptions(0.8f, 40, 0)), asked.Bytes.Span.ToArray());
    }

    [Fact]
    public async Task With_the_fallback_off_only_gpt_is_served_and_the_rest_is_no_route()
    {
        var (_, path) = SaveModel();
        await StartModuleAsync(GptModule.Props(SettingsFor(path)), GptModule.Prefix);

        Assert.Empty(Runtime.Routes.Snapshot.ValuesOf(ReadOnlySpan<byte>.Empty));
        AssertStatus(CompletionStatus.NoRoute, await CompleteTextAsync("Once upon"));
    }

    [Theory]
    [InlineData("fallback-options = \"n=0\"", "promisegrid.gpt.fallback-options (PG_GPT_FALLBACK_OPTIONS)", "n=0 is out of range")]
    [InlineData("fallback-options = \"q=1\"", "promisegrid.gpt.fallback-options (PG_GPT_FALLBACK_OPTIONS)", "not a list of options")]
    [InlineData("fallback-options = \"n=5,bogus=1\"", "promisegrid.gpt.fallback-options (PG_GPT_FALLBACK_OPTIONS)", "unknown option 'bogus'")]
    [InlineData("fallback = maybe", "promisegrid.gpt.fallback (PG_GPT_FALLBACK)", "must be on or off, got 'maybe'")]
    public void Bad_fallback_settings_are_refused_naming_the_key_and_the_variable(string line, string knob, string reason)
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            GptSettings.Create(ConfigurationFactory.ParseString($"promisegrid.gpt {{ {line} }}")));

        Assert.Contains(knob, error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Fallback_settings_default_to_off_and_to_a_gpt_requests_defaults()
    {
        var settings = GptSettings.Create(ConfigurationFactory.Empty);
        Assert.False(settings.Fallback);
        Assert.Equal("", settings.FallbackOptions);
        var on = GptSettings.Create(ConfigurationFactory.ParseString("promisegrid.gpt { fallback = on, fallback-options = \"n=7,stop=0a\" }"));
        Assert.True(on.Fallback);
        Assert.Equal("n=7,stop=0a", on.FallbackOptions);
    }
}
