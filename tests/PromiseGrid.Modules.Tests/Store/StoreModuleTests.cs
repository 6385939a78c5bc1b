using System.Text;
using PromiseGrid.Core.Content;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Modules.Tests.Store;

/// <summary>store/ on one node: the contract of put, get and has, the bad inputs, and the disk.</summary>
public sealed class StoreModuleTests(ITestOutputHelper output) : ModuleTestKit(LocalConfig, output)
{
    private const string HelloWorldCid = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";
    private static readonly string[] Prefixes =
        ["store/put/", "store/get/", "store/has/", "store/replica/put/", "store/replica/get/", "store/replica/has/", "store/replica/buckets/"];

    private readonly TempFolder _root = new();

    protected override void AfterAll()
    {
        base.AfterAll();
        _root.Dispose();
    }

    private static StoreSettings SettingsFor(string folder) =>
        new(folder, ReplicationFactor: 2, MaxBlobBytes: 1047552, WriteTimeout: TimeSpan.FromSeconds(3), ReadTimeout: TimeSpan.FromSeconds(1));

    private async Task<BlobStore> StartStoreAsync(string? folder = null)
    {
        folder ??= _root.Combine("store");
        await StartModuleAsync(StoreModule.Props(SettingsFor(folder)), Prefixes);
        return new BlobStore(folder);
    }

    private static Sequence Put(byte[] blob) => Sequence.FromText("store/put/").Concat(new Sequence(blob));

    private static string[] FilesUnder(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : [];

    [Fact]
    public async Task Put_completes_with_the_upstream_cid_and_the_blob_is_on_disk_under_it()
    {
        var disk = await StartStoreAsync();

        var completion = await CompleteAsync(@"store/put/hello world\x0a");

        AssertStatus(CompletionStatus.Completed, completion);
        Assert.Equal(HelloWorldCid, completion.Bytes.ToString());
        Assert.Equal($"store@{SelfAddress}", completion.Provider);
        var file = Path.Combine(disk.BlobsFolder, "ei", HelloWorldCid);
        Assert.Equal("hello world\n"u8.ToArray(), File.ReadAllBytes(file));
    }

    [Fact]
    public async Task Get_completes_with_the_bytes_put_and_has_says_true_only_after_the_put()
    {
        await StartStoreAsync();
        var blob = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var cid = Cid.Of(blob).ToString();
        Assert.Equal("false", (await CompleteAsync("store/has/" + cid)).Bytes.ToString());

        AssertStatus(CompletionStatus.Completed, await CompleteAsync(Put(blob)));

        var get = await CompleteAsync("store/get/" + cid);
        AssertStatus(CompletionStatus.Completed, get);
        Assert.Equal(blob, get.Bytes.Span.ToArray());
        Assert.Equal("true", (await CompleteAsync("store/has/" + cid)).Bytes.ToString());
    }

    [Fact]
    public async Task The_empty_blob_is_a_blob_with_the_upstream_cid()
    {
        await StartStoreAsync();

        var put = await CompleteAsync("store/put/");
        var get = await CompleteAsync("store/get/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");

        Assert.Equal("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", put.Bytes.ToString());
        AssertStatus(CompletionStatus.Completed, get);
        Assert.True(get.Bytes.IsEmpty);
    }

    [Fact]
    public async Task Only_store_get_is_a_pure_route()
    {
        await StartStoreAsync();

        foreach (var prefix in Prefixes)
        {
            var route = Assert.Single(Runtime.Routes.Snapshot.ValuesOf(Sequence.FromText(prefix).Span));
            Assert.Equal("store", route.Module);
            Assert.Equal(prefix == "store/get/", route.Pure);
        }
    }

    [Fact]
    public async Task A_blob_at_the_limit_is_stored_and_one_byte_more_is_too_large()
    {
        await StartStoreAsync();
        var atLimit = new byte[1047552];
        new Random(5).NextBytes(atLimit);

        var put = await CompleteAsync(Put(atLimit));
        var over = await CompleteAsync(Put(new byte[1047553]));

        AssertStatus(CompletionStatus.Completed, put);
        Assert.Equal(Cid.Of(atLimit).ToString(), put.Bytes.ToString());
        AssertStatus(CompletionStatus.TooLarge, over);
        Assert.Equal("blob of 1047553 bytes is over the store's limit of 1047552 bytes (promisegrid.store.max-blob-bytes)", over.Reason);
    }

    [Theory]
    [InlineData("bxyz", "'bxyz' is not a CID: 3 base32 characters do not make whole bytes")]
    [InlineData("", "'' is not a CID: empty text")]
    [InlineData("hello", "'hello' is not a CID: multibase prefix 'h' is not 'b' (base32 lower-case)")]
    [InlineData(HelloWorldCid + "\\x00", $"'{HelloWorldCid}\\x00' is not a CID: U+0000 at position 59 is not a base32 lower-case character (a-z, 2-7)")]
    // The CID of "hello world\n" as dag-pb: same digest, codec 0x70.
    [InlineData("bafybeifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
        "'bafybeifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4' is not a CID this grid serves: CID codec 0x70 (dag-pb) is not raw (0x55)")]
    public async Task A_malformed_or_foreign_cid_is_a_bad_request_naming_the_fault(string cid, string reason)
    {
        await StartStoreAsync();

        foreach (var verb in new[] { "get", "has" })
        {
            var completion = await CompleteAsync($"store/{verb}/{cid}");

            AssertStatus(CompletionStatus.BadRequest, completion);
            Assert.Equal(reason, completion.Reason);
        }
    }

    [Fact]
    public async Task An_unknown_cid_is_no_route()
    {
        await StartStoreAsync();

        var completion = await CompleteAsync("store/get/" + HelloWorldCid);

        AssertStatus(CompletionStatus.NoRoute, completion);
        Assert.Equal($"no blob with CID {HelloWorldCid} on any holder", completion.Reason);
    }

    [Fact]
    public async Task A_corrupt_copy_with_no_replica_is_never_served_and_is_logged()
    {
        var disk = await StartStoreAsync();
        AssertStatus(CompletionStatus.Completed, await CompleteAsync(@"store/put/hello world\x0a"));
        var file = disk.PathOf(Cid.Parse(HelloWorldCid));
        File.WriteAllBytes(file, "hello world!"u8.ToArray());

        Completion completion = null!;
        await EventFilter.Warning(start: $"store copy corrupt cid={HelloWorldCid}").ExpectOneAsync(async () =>
            completion = await CompleteAsync("store/get/" + HelloWorldCid));

        AssertStatus(CompletionStatus.NoRoute, completion);
        Assert.Equal("false", (await CompleteAsync("store/has/" + HelloWorldCid)).Bytes.ToString());
        // Putting the blob again repairs the copy.
        AssertStatus(CompletionStatus.Completed, await CompleteAsync(@"store/put/hello world\x0a"));
        Assert.Equal("hello world\n"u8.ToArray(), (await CompleteAsync("store/get/" + HelloWorldCid)).Bytes.Span.ToArray());
    }

    [Fact]
    public async Task The_store_empties_its_tmp_folder_when_it_starts()
    {
        var folder = _root.Combine("store");
        Directory.CreateDirectory(Path.Combine(folder, "tmp"));
        File.WriteAllBytes(Path.Combine(folder, "tmp", $"{HelloWorldCid}.deadbeef.tmp"), "hello"u8.ToArray());

        await StartStoreAsync(folder);

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder, "tmp")));
        AssertStatus(CompletionStatus.NoRoute, await CompleteAsync("store/get/" + HelloWorldCid));
    }

    [Fact]
    public async Task An_unusable_store_folder_fails_the_put_naming_the_folder_and_leaves_nothing()
    {
        File.WriteAllText(_root.Combine("file"), "not a folder");
        var folder = _root.Combine("file", "store");

        await EventFilter.Error(start: "store folder unusable").ExpectOneAsync(() => StartStoreAsync(folder));
        var completion = await CompleteAsync(@"store/put/hello world\x0a");

        AssertStatus(CompletionStatus.ModuleFailed, completion);
        Assert.StartsWith($"stored 0 of 1 copies of {HelloWorldCid} (replication-factor 2, 1 store node): {SelfAddress}: " +
                          $"store folder '{folder}' is not usable", completion.Reason);
        Assert.Equal("not a folder", File.ReadAllText(_root.Combine("file")));
    }

    [Fact]
    public async Task A_store_whose_tmp_turned_unwritable_fails_the_put_and_nothing_partial_is_under_blobs()
    {
        var disk = await StartStoreAsync();
        Directory.Delete(disk.TempFolder);
        File.WriteAllText(disk.TempFolder, "in the way");

        var completion = await CompleteAsync(@"store/put/hello world\x0a");

        AssertStatus(CompletionStatus.ModuleFailed, completion);
        Assert.Contains($"store folder '{disk.Folder}'", completion.Reason);
        Assert.Empty(FilesUnder(disk.BlobsFolder));
    }

    [Fact]
    public async Task A_full_disk_fails_the_put_as_overloaded_and_leaves_no_partial_file()
    {
        using var tmpfs = Tmpfs.Mount(_root.Combine("small"), kibibytes: 128);
        var disk = await StartStoreAsync(tmpfs.Path);
        var first = new byte[80 * 1024];
        var second = new byte[80 * 1024];
        new Random(6).NextBytes(first);
        new Random(7).NextBytes(second);
        AssertStatus(CompletionStatus.Completed, await CompleteAsync(Put(first)));

        var completion = await CompleteAsync(Put(second));

        AssertStatus(CompletionStatus.Overloaded, completion);
        Assert.Contains($"store folder '{disk.Folder}' is full: No space left on device", completion.Reason);
        Assert.Empty(Directory.GetFileSystemEntries(disk.TempFolder));
        Assert.Equal([disk.PathOf(Cid.Of(first))], FilesUnder(disk.BlobsFolder));
        Assert.Equal("false", (await CompleteAsync("store/has/" + Cid.Of(second))).Bytes.ToString());
    }

    [Fact]
    public async Task Replica_put_stores_here_and_replica_get_answers_only_from_this_node()
    {
        var disk = await StartStoreAsync();

        var put = await CompleteAsync(@"store/replica/put/hello world\x0a");
        var get = await CompleteAsync("store/replica/get/" + HelloWorldCid);
        var unknown = await CompleteAsync("store/replica/get/" + Cid.Of("other"u8));

        Assert.Equal(HelloWorldCid, put.Bytes.ToString());
        Assert.True(File.Exists(disk.PathOf(Cid.Parse(HelloWorldCid))));
        Assert.Equal("hello world\n"u8.ToArray(), get.Bytes.Span.ToArray());
        AssertStatus(CompletionStatus.NoRoute, unknown);
        Assert.Equal($"no blob with CID {Cid.Of("other"u8)} on this node", unknown.Reason);
        Assert.Equal("true", (await CompleteAsync("store/replica/has/" + HelloWorldCid)).Bytes.ToString());
    }

    [Fact]
    public async Task The_folder_defaults_to_store_under_the_node_data_folder()
    {
        var data = _root.Combine("data");
        var settings = StoreSettings.Create(ConfigurationFactory.ParseString($"promisegrid.node.data = \"{data}\""));

        Assert.Equal(Path.Combine(data, "store"), settings.Folder);
        Assert.Equal(2, settings.ReplicationFactor);
        Assert.Equal(1047552, settings.MaxBlobBytes);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.WriteTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.ReadTimeout);
        Assert.Equal(new StoreRepairSettings(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 256, 8, 1000), settings.Repair);
        Assert.Equal(StoreRepairSettings.Default, settings.Repair);
        Assert.Equal(_root.Combine("elsewhere"), StoreSettings.Create(ConfigurationFactory.ParseString(
            $"promisegrid.node.data = \"{data}\"\npromisegrid.store.folder = \"{_root.Combine("elsewhere")}\"")).Folder);
        Assert.Equal(Path.GetFullPath(Path.Combine("./data", "store")), StoreSettings.Create(ConfigurationFactory.Empty).Folder);
    }

    [Fact]
    public void The_blob_limit_leaves_room_for_the_put_prefix_within_the_largest_sequence()
    {
        var settings = StoreSettings.Create(ConfigurationFactory.Empty);

        Assert.True(Encoding.ASCII.GetByteCount("store/replica/put/") + settings.MaxBlobBytes <= Grid.Settings.MaxSequenceBytes);
    }

    [Theory]
    [InlineData("promisegrid.store.replication-factor = 0", "promisegrid.store.replication-factor must be at least 1")]
    [InlineData("promisegrid.store.write-timeout = 0s", "promisegrid.store.write-timeout must be positive")]
    [InlineData("promisegrid.store.read-timeout = 0s", "promisegrid.store.read-timeout must be positive")]
    [InlineData("promisegrid.store.max-blob-bytes = -1", "promisegrid.store.max-blob-bytes must not be negative")]
    [InlineData("promisegrid.store.repair.interval = 0s", "promisegrid.store.repair.interval (PG_STORE_REPAIR_INTERVAL) must be positive")]
    [InlineData("promisegrid.store.repair.check-interval = 2m", "promisegrid.store.repair.check-interval must be positive and at most promisegrid.store.repair.interval (PG_STORE_REPAIR_INTERVAL)")]
    [InlineData("promisegrid.store.repair.settle = 2m", "promisegrid.store.repair.settle must be between 0 and promisegrid.store.repair.interval (PG_STORE_REPAIR_INTERVAL)")]
    [InlineData("promisegrid.store.repair.buckets = 16385", "promisegrid.store.repair.buckets (PG_STORE_REPAIR_BUCKETS) must be between 1 and 16384")]
    [InlineData("promisegrid.store.repair.concurrency = 0", "promisegrid.store.repair.concurrency (PG_STORE_REPAIR_CONCURRENCY) must be at least 1")]
    [InlineData("promisegrid.store.repair.interval = \"soon\"", "promisegrid.store.repair.interval (PG_STORE_REPAIR_INTERVAL) is not a duration such as 30s: ")]
    [InlineData("promisegrid.store.repair.max-blobs-per-pass = 0", "promisegrid.store.repair.max-blobs-per-pass must be at least 1")]
    public void Settings_out_of_range_are_refused_naming_the_key(string hocon, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => StoreSettings.Create(ConfigurationFactory.ParseString(hocon)));

        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void The_repair_settings_read_the_quoted_text_environment_variables_give()
    {
        // NodeSettings writes PG_STORE_REPAIR_* as quoted strings.
        var repair = StoreSettings.Create(ConfigurationFactory.ParseString("""
            promisegrid.store.repair.interval = "30s"
            promisegrid.store.repair.buckets = "1024"
            promisegrid.store.repair.concurrency = "4"
            """)).Repair;

        Assert.Equal(StoreRepairSettings.Default with { Interval = TimeSpan.FromSeconds(30), Buckets = 1024, Concurrency = 4 }, repair);
    }
}
