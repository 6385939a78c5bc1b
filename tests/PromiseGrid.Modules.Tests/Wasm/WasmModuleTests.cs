using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using PromiseGrid.Core.Content;
using PromiseGrid.Modules.Store;
using PromiseGrid.Modules.Tests.Store;
using PromiseGrid.Modules.Wasm;

namespace PromiseGrid.Modules.Tests.Wasm;

/// <summary>
/// wasm/ on one node: guests fetched through store/get/, the guest ABI, grid.complete, the
/// limits, and every bad input in README.md#limits-and-errors, each followed by a call that works.
/// </summary>
public sealed class WasmModuleTests(ITestOutputHelper output) : ModuleTestKit(Config, output)
{
    // A shallow nesting limit, so a guest calling itself is stopped after a few levels.
    private const string Config = LocalConfig + "\npromisegrid.max-hops = 4";

    /// <summary>Small limits, so the bad guests hit them fast; one running guest, so nesting must not need two.</summary>
    private static readonly WasmSettings Limits = WasmSettings.Create(ConfigurationFactory.ParseString("""
        promisegrid.wasm {
          max-fuel = 5000000
          max-memory-pages = 4
          timeout = 3s
          max-concurrency = 1
          max-output-bytes = 4096
        }
        """));

    private readonly ConcurrentDictionary<Cid, byte[]> _blobs = new();
    private readonly StrongBox<int> _gets = new();
    private readonly StrongBox<int> _probes = new();

    private async Task StartAsync(WasmSettings? settings = null, params string[] extraPrefixes)
    {
        await StartModuleAsync(FakeStoreModule.Props(_blobs, _gets), "store/get/");
        await StartModuleAsync(ProbeModule.Props(_probes), "probe/");
        await StartModuleAsync(EchoModule.Props(), "echo/");
        await StartModuleAsync(WasmModule.Props(settings ?? Limits), ["wasm/", .. extraPrefixes]);
    }

    private Cid Put(string wat) => Put(WatGuests.Bytes(wat));

    private Cid Put(byte[] bytes)
    {
        var cid = Cid.Of(bytes);
        _blobs[cid] = bytes;
        return cid;
    }

    private Task<Completion> Run(Cid cid, string input) => Run($"{cid}/{input}");

    private Task<Completion> Run(string afterWasm) => CompleteAsync(Sequence.FromUtf8("wasm/" + afterWasm));

    private static void AssertFailed(CompletionStatus status, Completion completion, params string[] reasonParts)
    {
        AssertStatus(status, completion);
        foreach (var part in reasonParts)
            Assert.True(completion.Reason!.Contains(part, StringComparison.Ordinal), $"reason '{completion.Reason}' does not mention '{part}'");
    }

    /// <summary>After a bad input: the module still serves, and the next call works.</summary>
    private async Task AssertStillServesAsync()
    {
        var completion = await Run(Put(WatGuests.Upper), "still here");
        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("STILL HERE", completion.Bytes.ToString());
    }

    [Fact]
    public async Task Upper_case_guest_put_into_the_real_store_completes_with_its_input_upper_cased()
    {
        using var folder = new TempFolder("pg-wasm-");
        await StartModuleAsync(StoreModule.Props(new StoreSettings(folder.Path, 1, 1047552, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1))),
            "store/put/", "store/get/");
        await StartModuleAsync(WasmModule.Props(Limits), "wasm/");
        var bytes = WatGuests.Bytes(WatGuests.Upper);

        var put = await CompleteAsync(Sequence.FromText("store/put/").Concat(new Sequence(bytes)));
        var completion = await CompleteAsync(Sequence.FromUtf8($"wasm/{put.Bytes}/hello, Grid!"));

        Assert.Equal(Cid.Of(bytes).ToString(), put.Bytes.ToString());
        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("HELLO, GRID!", completion.Bytes.ToString());
        Assert.Equal($"wasm@{SelfAddress}", completion.Provider);
    }

    [Fact]
    public async Task Every_request_gets_a_fresh_instance_nothing_an_earlier_request_left_reaches_it()
    {
        await StartAsync(Limits with { MaxConcurrency = 2, MaxInstances = 4 });
        var cid = Put(WatGuests.Leaky);

        // One after another (the same pooled slot comes back), then many at once (slots reused across workers).
        for (var i = 0; i < 20; i++)
        {
            var completion = await Run(cid, "");
            AssertStatus(CompletionStatus.Completed, completion);
            Assert.Equal("000i2", completion.Bytes.ToString());
        }
        var together = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Run(cid, "")));
        Assert.All(together, completion =>
        {
            AssertStatus(CompletionStatus.Completed, completion);
            Assert.Equal("000i2", completion.Bytes.ToString());
        });
    }

    [Fact]
    public async Task Empty_input_gives_the_guest_an_empty_buffer_and_empty_output()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.Upper), "");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.True(completion.Bytes.IsEmpty);
    }

    [Fact]
    public async Task Guest_completes_echo_through_grid_complete_and_returns_it_reversed()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.EchoReversed), "stressed");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("desserts", completion.Bytes.ToString());
    }

    [Fact]
    public async Task Guest_calling_another_guest_on_the_same_node_works_with_one_running_slot()
    {
        await StartAsync();
        var upper = Put(WatGuests.Upper);

        var completion = await Run(Put(WatGuests.Forward), $"wasm/{upper}/nested");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("NESTED", completion.Bytes.ToString());
    }

    [Fact]
    public async Task A_guest_is_fetched_and_compiled_once_then_served_from_the_compiled_cache()
    {
        await StartAsync();
        var upper = Put(WatGuests.Upper);

        var first = await Run(upper, "a");
        var second = await Run(upper, "b");
        var third = await Run(upper, "c");

        Assert.Equal(["A", "B", "C"], new[] { first, second, third }.Select(c => c.Bytes.ToString()));
        Assert.Equal(1, _gets.Value);
        AssertStatus(CompletionStatus.Completed, await Run(Put(WatGuests.EchoReversed), "ab"));
        Assert.Equal(2, _gets.Value);
    }

    [Fact]
    public async Task A_pure_guest_route_is_answered_by_the_completion_cache_and_other_guests_run_each_time()
    {
        var pure = Put(WatGuests.Forward.Replace("(memory (export \"memory\") 1)", "(memory (export \"memory\") 1) (data (i32.const 0) \"pure\")"));
        var impure = Put(WatGuests.Forward);
        await StartAsync(Limits with { PureModules = [pure] }, $"wasm/{pure}/");

        var first = await Run(pure, "probe/x");
        var again = await Run(pure, "probe/x");
        Assert.Equal(1, _probes.Value);
        await Run(pure, "probe/y");
        Assert.Equal(2, _probes.Value);
        await Run(impure, "probe/x");
        await Run(impure, "probe/x");

        Assert.Equal("x", first.Bytes.ToString());
        Assert.Equal(first.Bytes, again.Bytes);
        Assert.Equal(4, _probes.Value);
    }

    [Fact]
    public async Task Bytes_that_are_not_webassembly_are_a_bad_request_naming_the_cid()
    {
        await StartAsync();
        var junk = Put("this is not wasm"u8.ToArray());

        var completion = await Run(junk, "x");

        AssertFailed(CompletionStatus.BadRequest, completion, junk.ToString(), "is not a WebAssembly module", "magic header");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_guest_missing_the_abi_exports_is_a_bad_request_naming_them()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.MissingExports), "x");

        AssertFailed(CompletionStatus.BadRequest, completion, "does not export grid_alloc(i32) -> i32, grid_complete(i32, i32) -> i64");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_guest_importing_anything_but_grid_complete_is_refused_naming_the_import()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.ForeignImport), "x");

        AssertFailed(CompletionStatus.BadRequest, completion, "imports env.clock", "may import only grid.complete");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task An_unknown_cid_passes_on_the_stores_status_naming_the_cid_and_is_fetched_again_next_time()
    {
        await StartAsync();
        var unknown = Cid.Of("never stored"u8);

        var completion = await Run(unknown, "x");
        var again = await Run(unknown, "x");

        AssertFailed(CompletionStatus.NoRoute, completion, unknown.ToString(), "could not be fetched from the store");
        AssertStatus(CompletionStatus.NoRoute, again);
        Assert.Equal(2, _gets.Value);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("bafkreinotacid/x", "is not a CID")]
    [InlineData("no-slash-after-the-cid", "no '/' after the CID")]
    public async Task A_malformed_cid_is_a_bad_request_with_the_parse_reason(string afterWasm, string reason)
    {
        await StartAsync();

        var completion = await Run(afterWasm);

        AssertFailed(CompletionStatus.BadRequest, completion, reason);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task An_endless_loop_runs_out_of_fuel()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.EndlessLoop), "x");

        AssertFailed(CompletionStatus.ModuleFailed, completion, "ran out of fuel", "5000000", "promisegrid.wasm.max-fuel");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task An_endless_loop_with_fuel_to_spare_is_stopped_at_the_timeout()
    {
        await StartAsync(Limits with { MaxFuel = long.MaxValue, Timeout = TimeSpan.FromMilliseconds(300) });

        var completion = await Run(Put(WatGuests.EndlessLoop), "x");

        AssertFailed(CompletionStatus.ModuleFailed, completion, "ran longer than the timeout of 300 ms", "promisegrid.wasm.timeout");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task An_endless_loop_is_stopped_at_the_requests_deadline_and_frees_its_worker()
    {
        await StartAsync(Limits with { MaxFuel = long.MaxValue });

        var completion = await Grid.CompleteAsync(Sequence.FromUtf8($"wasm/{Put(WatGuests.EndlessLoop)}/x"), TimeSpan.FromMilliseconds(300)).WaitAsync(Patience);

        AssertStatus(CompletionStatus.BrokenPromise, completion);
        // One running slot: this works only once the looping guest has been stopped.
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_memory_bomb_is_stopped_at_the_memory_limit()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.MemoryBomb), "x");

        AssertFailed(CompletionStatus.ModuleFailed, completion, "trapped", "unreachable", "limit of 4 pages", "promisegrid.wasm.max-memory-pages");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_guest_whose_memory_starts_over_the_limit_is_a_bad_request()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.Upper.Replace("(memory (export \"memory\") 1)", "(memory (export \"memory\") 100)")), "x");

        AssertFailed(CompletionStatus.BadRequest, completion, "needs more memory than the limit of 4 pages", "6553600");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_trap_fails_the_request_naming_the_trap()
    {
        await StartAsync();
        var guest = Put(WatGuests.Unreachable);

        var completion = await Run(guest, "x");

        AssertFailed(CompletionStatus.ModuleFailed, completion, guest.ToString(), "trapped", "unreachable");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_guest_calling_itself_for_ever_ends_too_deep_not_hung()
    {
        await StartAsync();
        var self = Put(WatGuests.CallsItself);

        var completion = await Run(self, $"wasm/{self}/");

        AssertFailed(CompletionStatus.TooDeep, completion, $"module {self} failed with code -8 (TooDeep), passing on",
            "over the limit of 4 (promisegrid.max-hops)");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task An_output_pointer_outside_memory_fails_the_request()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.OutputOutsideMemory), "x");

        AssertFailed(CompletionStatus.ModuleFailed, completion, "output at 2147418112 of 16 bytes, outside its memory of 65536 bytes");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Output_over_max_output_bytes_is_too_large()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.Large), "x");

        AssertFailed(CompletionStatus.TooLarge, completion, "returned 5001 bytes, over the limit of 4096");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_negative_result_fails_the_request_with_the_status_it_names()
    {
        await StartAsync();

        var completion = await Run(Put(WatGuests.RefusesAsBadRequest), "x");

        AssertFailed(CompletionStatus.BadRequest, completion, "failed with code -7 (BadRequest)");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_failed_grid_complete_reaches_the_guest_as_minus_the_status()
    {
        await StartAsync();

        // Forward passes its grid.complete's result on: here -1, as nothing serves nowhere/.
        var completion = await Run(Put(WatGuests.Forward), "nowhere/x");

        AssertFailed(CompletionStatus.NoRoute, completion, "failed with code -1 (NoRoute), passing on the failure of its grid.complete('nowhere/x')");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_guest_that_imports_nothing_runs_without_a_worker_while_every_worker_is_taken()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // One worker thread and no queue: a second guest that needs a worker is refused.
        await StartAsync(Limits with { MaxInstances = 1, MaxQueued = 0 });
        await StartModuleAsync(HoldModule.Props(release.Task), "hold/");
        var forward = Put(WatGuests.Forward);

        var held = Run(forward, "hold/x");
        await AwaitAssertAsync(async () => AssertStatus(CompletionStatus.Overloaded, await Run(forward, "echo/y")), Patience);
        var inline = await Run(Put(WatGuests.Upper), "inline");
        release.SetResult();

        AssertStatus(CompletionStatus.Completed, inline);
        Assert.Equal("INLINE", inline.Bytes.ToString());
        var completion = await held;
        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("x", completion.Bytes.ToString());
    }

    [Fact]
    public async Task A_guest_that_needs_more_than_inline_fuel_runs_again_on_a_worker_and_completes()
    {
        await StartAsync(Limits with { InlineFuel = 1000 });

        var completion = await Run(Put(WatGuests.CountsThenEchoes), "counted");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal("counted", completion.Bytes.ToString());
    }

    [Fact]
    public async Task Every_way_a_run_ends_gives_its_pooled_instance_back()
    {
        // Two pooled slots (max-instances + 1 for the inline run): a run that kept its store would
        // leave the third round without an instance.
        await StartAsync(Limits with { MaxInstances = 1 });
        var runs = new (Cid Guest, string Input, CompletionStatus Status)[]
        {
            (Put(WatGuests.Upper), "x", CompletionStatus.Completed),
            (Put(WatGuests.Unreachable), "x", CompletionStatus.ModuleFailed),
            (Put(WatGuests.EndlessLoop), "x", CompletionStatus.ModuleFailed),
            (Put(WatGuests.OutputOutsideMemory), "x", CompletionStatus.ModuleFailed),
            (Put(WatGuests.RefusesAsBadRequest), "x", CompletionStatus.BadRequest),
            (Put(WatGuests.Forward), "nowhere/x", CompletionStatus.NoRoute),
            (Put(WatGuests.Forward), "echo/x", CompletionStatus.Completed),
        };

        for (var round = 0; round < 3; round++)
            foreach (var (guest, input, status) in runs)
                AssertStatus(status, await Run(guest, input));
        await AssertStillServesAsync();
    }
}
