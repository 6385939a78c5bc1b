using PromiseGrid.Core.Content;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Modules.Tests.Store;

/// <summary>The store's files: layout, atomic durable writes, verified reads, and what a failing disk leaves behind.</summary>
public sealed class BlobStoreTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private BlobStore OpenStore(string? folder = null)
    {
        var store = new BlobStore(folder ?? _root.Combine("store"));
        store.Open();
        return store;
    }

    private static string[] FilesUnder(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : [];

    [Fact]
    public void A_blob_is_stored_under_blobs_next_to_last_two_characters_of_its_cid()
    {
        var store = OpenStore();
        var cid = Cid.Of("hello world\n"u8);

        Assert.Equal(BlobWrite.Written, store.Write(cid, "hello world\n"u8));

        var expected = _root.Combine("store", "blobs", "ei", "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
        Assert.Equal(expected, store.PathOf(cid));
        Assert.Equal("hello world\n"u8.ToArray(), File.ReadAllBytes(expected));
        Assert.Equal([expected], FilesUnder(store.BlobsFolder));
        Assert.Empty(FilesUnder(store.TempFolder));
    }

    [Fact]
    public void Read_returns_the_verified_bytes_missing_or_corrupt()
    {
        var store = OpenStore();
        var cid = Cid.Of("abc"u8);

        Assert.Equal(LocalBlobState.Missing, store.Read(cid).State);

        store.Write(cid, "abc"u8);
        var found = store.Read(cid);
        Assert.Equal(LocalBlobState.Found, found.State);
        Assert.Equal("abc"u8.ToArray(), found.Bytes.ToArray());

        File.WriteAllBytes(store.PathOf(cid), "abd"u8.ToArray());
        var corrupt = store.Read(cid);
        Assert.Equal(LocalBlobState.Corrupt, corrupt.State);
        Assert.Equal("its 3 bytes do not hash to the CID", corrupt.Fault);
        Assert.True(corrupt.Bytes.IsEmpty);
    }

    [Fact]
    public void Writing_again_keeps_a_good_copy_and_replaces_a_corrupt_one()
    {
        var store = OpenStore();
        var cid = Cid.Of("abc"u8);
        store.Write(cid, "abc"u8);

        Assert.Equal(BlobWrite.AlreadyPresent, store.Write(cid, "abc"u8));

        File.WriteAllBytes(store.PathOf(cid), "ab"u8.ToArray());
        Assert.Equal(BlobWrite.ReplacedCorrupt, store.Write(cid, "abc"u8));
        Assert.Equal("abc"u8.ToArray(), File.ReadAllBytes(store.PathOf(cid)));
        Assert.Empty(FilesUnder(store.TempFolder));
    }

    [Fact]
    public void Until_the_rename_the_blob_is_only_a_whole_fsynced_temp_file_and_nothing_is_under_blobs()
    {
        var store = OpenStore();
        var bytes = new byte[100_000];
        new Random(1).NextBytes(bytes);
        var cid = Cid.Of(bytes);
        var seen = false;
        store.BeforeRename = (temp, final) =>
        {
            seen = true;
            Assert.Empty(FilesUnder(store.BlobsFolder));
            Assert.False(File.Exists(final));
            Assert.Equal(store.TempFolder, Path.GetDirectoryName(temp));
            Assert.Equal(bytes, File.ReadAllBytes(temp));
        };

        store.Write(cid, bytes);

        Assert.True(seen);
        Assert.Equal(bytes, File.ReadAllBytes(store.PathOf(cid)));
        Assert.Empty(FilesUnder(store.TempFolder));
    }

    [Fact]
    public void Open_removes_what_an_interrupted_write_left_in_tmp_and_it_never_counts_as_a_blob()
    {
        var folder = _root.Combine("store");
        OpenStore(folder);
        var cid = Cid.Of("whole content"u8);
        // As a crash mid-write leaves it: part of the bytes, in tmp/ only.
        File.WriteAllBytes(Path.Combine(folder, "tmp", $"{cid}.0123.tmp"), "whole"u8.ToArray());
        Directory.CreateDirectory(Path.Combine(folder, "tmp", "odd-folder"));

        var store = new BlobStore(folder);
        Assert.Equal(LocalBlobState.Missing, store.Read(cid).State);
        Assert.Equal(2, store.Open());

        Assert.Empty(Directory.GetFileSystemEntries(store.TempFolder));
        Assert.Equal(LocalBlobState.Missing, store.Read(cid).State);
    }

    [Fact]
    public void Cancelled_before_the_rename_leaves_nothing_behind()
    {
        var store = OpenStore();
        var cid = Cid.Of("abc"u8);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => store.Write(cid, "abc"u8, cancelled.Token));

        Assert.Empty(FilesUnder(store.Folder));
    }

    [Fact]
    public void A_store_folder_that_is_not_a_folder_fails_open_and_writes_with_the_folder_named()
    {
        File.WriteAllText(_root.Combine("file"), "not a folder");
        var store = new BlobStore(_root.Combine("file", "store"));

        var open = Assert.Throws<StoreWriteException>(() => store.Open());
        var write = Assert.Throws<StoreWriteException>(() => store.Write(Cid.Of("abc"u8), "abc"u8));

        Assert.StartsWith($"store folder '{store.Folder}' ", open.Message);
        Assert.StartsWith($"store folder '{store.Folder}' is not usable", write.Message);
        Assert.False(write.DiskFull);
    }

    [Fact]
    public void When_tmp_cannot_be_written_the_write_fails_and_nothing_is_under_blobs()
    {
        var store = OpenStore();
        Directory.Delete(store.TempFolder);
        File.WriteAllText(store.TempFolder, "tmp is now a file");

        var error = Assert.Throws<StoreWriteException>(() => store.Write(Cid.Of("abc"u8), "abc"u8));

        Assert.Contains($"store folder '{store.Folder}'", error.Message);
        Assert.Empty(FilesUnder(store.BlobsFolder));
    }

    [Fact]
    public void When_the_rename_fails_the_temp_file_is_removed_and_nothing_is_under_blobs()
    {
        var store = OpenStore();
        var cid = Cid.Of("abc"u8);
        // The blob's folder under blobs/ is a file: the temp file is written, its rename fails.
        File.WriteAllText(Path.Combine(store.BlobsFolder, BlobStore.ShardOf(cid)), "in the way");

        var error = Assert.Throws<StoreWriteException>(() => store.Write(cid, "abc"u8));

        Assert.Contains($"store folder '{store.Folder}'", error.Message);
        Assert.False(error.DiskFull);
        Assert.Empty(Directory.GetFileSystemEntries(store.TempFolder));
        Assert.Equal([Path.Combine(store.BlobsFolder, BlobStore.ShardOf(cid))], FilesUnder(store.BlobsFolder));
    }

    [Fact]
    public void A_full_disk_fails_the_write_as_disk_full_and_leaves_no_partial_file()
    {
        using var tmpfs = Tmpfs.Mount(_root.Combine("small"), kibibytes: 128);
        var store = OpenStore(tmpfs.Path);
        var first = new byte[80 * 1024];
        var second = new byte[80 * 1024];
        new Random(2).NextBytes(first);
        new Random(3).NextBytes(second);
        store.Write(Cid.Of(first), first);

        var error = Assert.Throws<StoreWriteException>(() => store.Write(Cid.Of(second), second));

        Assert.True(error.DiskFull);
        Assert.StartsWith($"store folder '{store.Folder}' is full: No space left on device", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(store.TempFolder));
        Assert.Equal([store.PathOf(Cid.Of(first))], FilesUnder(store.BlobsFolder));
        Assert.Equal(LocalBlobState.Found, store.Read(Cid.Of(first)).State);
    }

    [Fact]
    public async Task Concurrent_writes_of_the_same_blob_all_succeed_with_one_whole_file()
    {
        var store = OpenStore();
        var bytes = new byte[200_000];
        new Random(4).NextBytes(bytes);
        var cid = Cid.Of(bytes);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.Write(cid, bytes))));

        Assert.Contains(BlobWrite.Written, outcomes);
        Assert.All(outcomes, o => Assert.True(o is BlobWrite.Written or BlobWrite.AlreadyPresent, o.ToString()));
        Assert.Equal(bytes, File.ReadAllBytes(store.PathOf(cid)));
        Assert.Single(FilesUnder(store.BlobsFolder));
        Assert.Empty(FilesUnder(store.TempFolder));
    }
}
