using System.Buffers.Binary;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// The store module against the file system it writes to, in one process. Two node-like actor
/// systems each run the store module (replication factor 1) over a folder of their own in a temp
/// folder: one with the completion cache off, one with it on. Requests go through
/// <see cref="IGrid.CompleteAsync(Sequence, TimeSpan?, CancellationToken)"/>, as host code and
/// modules send them. Five comparisons, each grid and baseline taking turns:
/// <list type="bullet">
/// <item>put 1 KiB and 1 MiB (every blob new): <c>store/put/</c> vs <see cref="FileBaseline.Write"/>,
/// the store's own recipe by hand (temp file, write, fsync, rename, fsync of the folder);</item>
/// <item>get 1 KiB and 1 MiB (cycling over blobs stored before, so both read from the page cache):
/// <c>store/get/</c> with the cache off vs <see cref="FileBaseline.ReadVerified"/> (read, SHA-256);</item>
/// <item>the same 1 KiB <c>store/get/</c> again and again by one requester: answered from the
/// node's completion cache vs run by the module (cache off).</item>
/// </list>
/// </summary>
public static class StoreBench
{
    public const int SmallBlob = 1024;
    public const int LargeBlob = 1024 * 1024;

    /// <summary>Distinct blobs the get figures cycle over, per size: a few MiB of files either way.</summary>
    private static int GetSetSize(int blobBytes) => blobBytes >= LargeBlob ? 16 : 512;

    /// <summary>A put of 1 MiB with many requesters queues behind fsyncs; no figure should count that as a broken promise.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly byte[] PutPrefix = "store/put/"u8.ToArray();
    private static readonly byte[] GetPrefix = "store/get/"u8.ToArray();

    public static async Task<LoadReport> RunAsync(LoadOptions options)
    {
        var root = Directory.CreateTempSubdirectory("pg-bench-store-").FullName;
        // Blocking file I/O on the pool (the store's and the baseline's): one thread per requester
        // from the start, or the pool's slow growth would decide the figures.
        ThreadPool.GetMinThreads(out var workerThreads, out var ioThreads);
        ThreadPool.SetMinThreads(Math.Max(workerThreads, options.Concurrency + 8), ioThreads);
        var uncachedSystem = ActorSystem.Create("promisegrid", SystemConfig(Path.Combine(root, "grid"), cache: false));
        var cachedSystem = ActorSystem.Create("promisegrid", SystemConfig(Path.Combine(root, "grid-cached"), cache: true));
        try
        {
            var grid = await StartStoreAsync(uncachedSystem);
            var cachedGrid = await StartStoreAsync(cachedSystem);
            var files = new FileBaseline(Path.Combine(root, "files"));

            var comparisons = new List<LoadComparison>();
            foreach (var size in new[] { SmallBlob, LargeBlob })
            {
                comparisons.Add(await PutAsync(options, grid, files, size));
                comparisons.Add(await GetAsync(options, grid, files, size));
            }
            comparisons.Add(await CacheAsync(options, grid, cachedGrid));

            var cache = cachedGrid.Cache;
            var notes = string.Create(CultureInfo.InvariantCulture,
                $"blobs of 1 KiB and 1 MiB, replication factor 1, every put a new blob, gets cycling over {GetSetSize(SmallBlob)} (1 KiB) and {GetSetSize(LargeBlob)} (1 MiB) stored blobs; "
                + $"cache rows 1 requester, cache {cache.Hits:N0} hits {cache.Misses:N0} misses; files in {Path.GetTempPath()}");
            return new LoadReport("store", options, comparisons[0].Grid, comparisons[0].Baseline, LoadReport.DescribeMachine())
            {
                Comparisons = comparisons,
                Notes = notes,
            };
        }
        finally
        {
            await Task.WhenAll(uncachedSystem.Terminate(), cachedSystem.Terminate());
            ThreadPool.SetMinThreads(workerThreads, ioThreads);
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<LoadComparison> PutAsync(LoadOptions options, IGrid grid, FileBaseline files, int size)
    {
        var gridBlobs = new BlobMaker(size, seed: size);
        var fileBlobs = new BlobMaker(size, seed: size);
        var figures = await BenchSetup.AlternateAsync("store", options,
            "files: write + fsync + rename", ClosedLoop.Round(options.Concurrency, () =>
            {
                files.Write(fileBlobs.Next(0));
                return Task.FromResult(true);
            }),
            "grid store/put/", ClosedLoop.Round(options.Concurrency, async () =>
            {
                var completion = await grid.CompleteAsync(new Sequence(gridBlobs.Next(PutPrefix)), Deadline).ConfigureAwait(false);
                return completion.IsCompleted;
            }));
        return new LoadComparison($"put {Describe(size)}", figures[0], figures[1], size);
    }

    private static async Task<LoadComparison> GetAsync(LoadOptions options, IGrid grid, FileBaseline files, int size)
    {
        // The same blobs in both stores, so both read the same bytes.
        var maker = new BlobMaker(size, seed: -size);
        var cids = new Cid[GetSetSize(size)];
        var requests = new Sequence[cids.Length];
        for (var i = 0; i < cids.Length; i++)
        {
            var blob = maker.Next(0);
            cids[i] = files.Write(blob);
            requests[i] = GetRequest(cids[i]);
            await PutOrThrowAsync(grid, blob);
        }
        long next = 0;
        var figures = await BenchSetup.AlternateAsync("store", options,
            "files: read + SHA-256", ClosedLoop.Round(options.Concurrency, () =>
                Task.FromResult(files.ReadVerified(cids[Interlocked.Increment(ref next) % cids.Length]))),
            "grid store/get/", ClosedLoop.Round(options.Concurrency, async () =>
            {
                var completion = await grid.CompleteAsync(requests[Interlocked.Increment(ref next) % requests.Length], Deadline).ConfigureAwait(false);
                return completion.IsCompleted && completion.Bytes.Length == size;
            }));
        return new LoadComparison($"get {Describe(size)}", figures[0], figures[1], size);
    }

    private static async Task<LoadComparison> CacheAsync(LoadOptions options, IGrid uncached, IGridRuntime cached)
    {
        var blob = new BlobMaker(SmallBlob, seed: 7).Next(0);
        await PutOrThrowAsync(uncached, blob);
        await PutOrThrowAsync(cached, blob);
        var request = GetRequest(Cid.Of(blob));
        var single = options with { Concurrency = 1 };
        var figures = await BenchSetup.AlternateAsync("store", single,
            "module (cache off)", ClosedLoop.Round(1, async () => (await uncached.CompleteAsync(request, Deadline).ConfigureAwait(false)).IsCompleted),
            "cache hit (cache on)", ClosedLoop.Round(1, async () => (await cached.CompleteAsync(request, Deadline).ConfigureAwait(false)).IsCompleted));
        return new LoadComparison("get 1 KiB again", figures[0], figures[1], SmallBlob);
    }

    private static async Task PutOrThrowAsync(IGrid grid, byte[] blob)
    {
        var completion = await grid.CompleteAsync(new Sequence([.. PutPrefix, .. blob]), Deadline);
        if (!completion.IsCompleted)
            throw new InvalidOperationException($"the bench's store refused a put of {blob.Length} bytes: {completion.Status} {completion.Reason}");
    }

    private static Sequence GetRequest(Cid cid) => new([.. GetPrefix, .. cid.ToAscii()]);

    private static string Describe(int size) => size >= LargeBlob ? $"{size / LargeBlob} MiB" : $"{size / 1024} KiB";

    /// <summary>
    /// A node of its own: the store over <paramref name="folder"/>, one copy per blob, sequences up
    /// to 2 MiB so a 1 MiB blob fits, and the completion cache on or off.
    /// </summary>
    private static Config SystemConfig(string folder, bool cache) => GridSettings.WithGridDefaults(ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = local
        promisegrid.max-sequence-bytes = 2097152
        promisegrid.max-deadline = 60s
        promisegrid.cache.enabled = {{(cache ? "on" : "off")}}
        promisegrid.store {
          folder = "{{folder.Replace("\\", "\\\\", StringComparison.Ordinal)}}"
          replication-factor = 1
          max-blob-bytes = 1048576
        }
        """));

    private static async Task<IGridRuntime> StartStoreAsync(ActorSystem system)
    {
        var grid = Grid.GetRuntime(system);
        system.ActorOf(StoreModule.Props(), "store");
        await BenchSetup.AwaitRouteAsync(grid, StoreModule.GetPrefix);
        return grid;
    }

    /// <summary>
    /// New blobs of one size, each unlike any before: fixed random bytes (so runs compare) with a
    /// counter in the first 8 bytes. Safe to call from many requesters at once.
    /// </summary>
    private sealed class BlobMaker(int size, int seed)
    {
        private readonly byte[] _pattern = Pattern(size, seed);
        private long _count;

        /// <summary>A new blob.</summary>
        public byte[] Next(int offset)
        {
            var bytes = new byte[offset + size];
            _pattern.CopyTo(bytes, offset);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), Interlocked.Increment(ref _count));
            return bytes;
        }

        /// <summary>A new blob after <paramref name="prefix"/>, in one array: the put sequence, copied once.</summary>
        public byte[] Next(byte[] prefix)
        {
            var bytes = Next(prefix.Length);
            prefix.CopyTo(bytes, 0);
            return bytes;
        }

        private static byte[] Pattern(int size, int seed)
        {
            var bytes = new byte[size];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }
    }
}
