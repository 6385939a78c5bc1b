using Akka.Configuration;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Modules.Wasm;

/// <summary>The wasm module's settings, read from <c>promisegrid.wasm</c> (see the embedded wasm.conf).</summary>
/// <param name="MaxFuel">Fuel (about one unit per instruction) a request's guest may burn.</param>
/// <param name="MaxMemoryPages">Largest linear memory of a guest, in 64 KiB pages.</param>
/// <param name="Timeout">Wall-clock time a request's guest may run, grid.complete waits included.</param>
/// <param name="EpochTick">How often the engine's epoch ticks: the resolution of <paramref name="Timeout"/>.</param>
/// <param name="MaxOutputBytes">Largest output a guest may return (capped again by the kernel's max-sequence-bytes).</param>
/// <param name="MaxConcurrency">Guests computing at once (guests waiting in grid.complete do not count).</param>
/// <param name="MaxInstances">Guests alive at once, computing or waiting: worker threads and pooled instance slots.</param>
/// <param name="MaxQueued">Requests waiting for a worker before new ones are refused.</param>
/// <param name="CompiledCacheSize">Compiled modules kept, one per CID.</param>
/// <param name="PureModules">CIDs whose <c>wasm/&lt;cid&gt;/</c> routes are registered pure.</param>
/// <param name="InlineFuel">Fuel a guest that imports nothing first gets on the module's own thread, skipping the hop to a worker; 0: never.</param>
public sealed record WasmSettings(
    long MaxFuel,
    int MaxMemoryPages,
    TimeSpan Timeout,
    TimeSpan EpochTick,
    int MaxOutputBytes,
    int MaxConcurrency,
    int MaxInstances,
    int MaxQueued,
    int CompiledCacheSize,
    IReadOnlyList<Cid> PureModules,
    long InlineFuel)
{
    private const string ReferenceResource = "PromiseGrid.Modules.Wasm.wasm.conf";

    /// <summary>WebAssembly's page size: 64 KiB.</summary>
    public const int PageBytes = 65536;

    /// <summary>32768 pages (2 GiB): every guest pointer stays below 2^31, so a negative result is never a pointer.</summary>
    public const int MemoryPagesLimit = 32768;

    /// <summary>The embedded wasm.conf: the documented default of every key.</summary>
    public static Config DefaultConfig() =>
        ConfigurationFactory.FromResource(ReferenceResource, typeof(WasmSettings).Assembly);

    /// <summary>The defaults of wasm.conf, for tests and hosts that start the module by hand.</summary>
    public static WasmSettings Default => Create(ConfigurationFactory.Empty);

    public long MaxMemoryBytes => (long)MaxMemoryPages * PageBytes;

    /// <summary>Reads <c>promisegrid.wasm.*</c> from <paramref name="config"/> over wasm.conf.</summary>
    /// <exception cref="ConfigurationException">A setting is out of range, or a pure CID does not parse.</exception>
    public static WasmSettings Create(Config config)
    {
        var wasm = config.WithFallback(DefaultConfig()).GetConfig("promisegrid.wasm");
        var concurrency = wasm.GetInt("max-concurrency");
        var settings = new WasmSettings(
            wasm.GetLong("max-fuel"),
            wasm.GetInt("max-memory-pages"),
            wasm.GetTimeSpan("timeout"),
            wasm.GetTimeSpan("epoch-tick"),
            wasm.GetInt("max-output-bytes"),
            concurrency == 0 ? Environment.ProcessorCount : concurrency,
            wasm.GetInt("max-instances"),
            wasm.GetInt("max-queued"),
            wasm.GetInt("compiled-cache-size"),
            ParsePure(wasm.GetString("pure", "")),
            wasm.GetLong("inline-fuel"));
        settings.Validate();
        return settings;
    }

    private static IReadOnlyList<Cid> ParsePure(string list)
    {
        var cids = new List<Cid>();
        foreach (var text in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                cids.Add(Cid.Parse(text));
            }
            catch (CidFormatException error)
            {
                throw new ConfigurationException($"promisegrid.wasm.pure (PG_WASM_PURE): '{text}' is not a CID: {error.Message}");
            }
        }
        return cids.Distinct().ToArray();
    }

    private void Validate()
    {
        if (MaxFuel <= 0) throw new ConfigurationException("promisegrid.wasm.max-fuel must be positive");
        if (MaxMemoryPages is < 1 or > MemoryPagesLimit)
            throw new ConfigurationException($"promisegrid.wasm.max-memory-pages must be from 1 to {MemoryPagesLimit}");
        if (Timeout <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.wasm.timeout must be positive");
        if (EpochTick <= TimeSpan.Zero || EpochTick > Timeout)
            throw new ConfigurationException("promisegrid.wasm.epoch-tick must be positive and at most the timeout");
        if (MaxOutputBytes < 0) throw new ConfigurationException("promisegrid.wasm.max-output-bytes must not be negative");
        if (MaxConcurrency < 1) throw new ConfigurationException("promisegrid.wasm.max-concurrency must be positive (or 0: one per processor)");
        if (MaxInstances < MaxConcurrency) throw new ConfigurationException("promisegrid.wasm.max-instances must be at least max-concurrency");
        if (MaxQueued < 0) throw new ConfigurationException("promisegrid.wasm.max-queued must not be negative");
        if (InlineFuel < 0) throw new ConfigurationException("promisegrid.wasm.inline-fuel must not be negative (0: never inline)");
        if (CompiledCacheSize < 1) throw new ConfigurationException("promisegrid.wasm.compiled-cache-size must be positive");
    }
}
