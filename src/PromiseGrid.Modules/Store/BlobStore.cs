using System.Collections.Concurrent;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Storage;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// This node's blobs on disk, one file per blob, named by its CID (an embedded store: plain
/// files, no server). Layout under <see cref="Folder"/>:
/// <code>
/// blobs/&lt;xy&gt;/&lt;cid&gt;   the blob's bytes; xy = the two characters of the CID text before its last
///                     (IPFS flatfs's next-to-last/2: 1024 folders, spread evenly by the digest)
/// tmp/                blobs being written; emptied by <see cref="Open"/>
/// </code>
/// </summary>
/// <remarks>
/// <para>Writes are atomic and durable: the bytes go to a new file in tmp/, are fsynced, the file
/// is renamed to its place in blobs/ (a rename within one file system is atomic) and the folder
/// is fsynced. A file under blobs/ is therefore always whole, whatever moment the process or
/// the machine dies at; a leftover temp file is removed at the next <see cref="Open"/>.</para>
/// <para>Reads verify: the bytes are hashed and compared with the CID, so a corrupt copy is
/// reported as such, never served.</para>
/// <para>The methods block on disk I/O: call them off an actor's thread. They are safe to call
/// concurrently; two writers of the same CID both succeed (content addressing: same bytes).</para>
/// <para>The <see cref="Inventory"/> (the CIDs under blobs/) is read from disk by <see cref="Open"/>
/// and kept in memory from then on by this instance's writes and deletes, so the store's repair
/// (<see cref="StoreRepair"/>) compares inventories without listing the disk. A file put under
/// blobs/ by another process is listed from the next start.</para>
/// </remarks>
internal sealed class BlobStore
{
    public const string BlobsFolderName = "blobs";
    public const string TempFolderName = "tmp";

    // errno values (Linux) and Win32 codes (as HResults) that mean the disk or quota is full.
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int WinDiskFull = unchecked((int)0x80070070);
    private const int WinHandleDiskFull = unchecked((int)0x80070027);

    public BlobStore(string folder)
    {
        Folder = Path.GetFullPath(folder);
        BlobsFolder = Path.Combine(Folder, BlobsFolderName);
        TempFolder = Path.Combine(Folder, TempFolderName);
    }

    private readonly ConcurrentDictionary<Cid, byte> _inventory = new();
    private long _inventoryVersion;

    public string Folder { get; }
    public string BlobsFolder { get; }
    public string TempFolder { get; }

    /// <summary>The CIDs of the blobs this store holds, as a snapshot (see the remarks on how it is kept).</summary>
    public ICollection<Cid> Inventory => _inventory.Keys;

    /// <summary>Changes whenever <see cref="Inventory"/> does: what the repair's cached bucket digests are keyed by.</summary>
    public long InventoryVersion => Volatile.Read(ref _inventoryVersion);

    /// <summary>Called with the temp file and the final path after the fsync and before the rename (tests only).</summary>
    internal Action<string, string>? BeforeRename { get; set; }

    /// <summary>Creates the folders and deletes what an interrupted write left in tmp/; returns how many entries it removed.</summary>
    /// <exception cref="StoreWriteException">The folder cannot be created or cleaned.</exception>
    public int Open()
    {
        try
        {
            var fresh = !Directory.Exists(BlobsFolder);
            Directory.CreateDirectory(BlobsFolder);
            Directory.CreateDirectory(TempFolder);
            if (fresh)
            {
                // The new folders' own entries, so the first blobs are not lost with them in a crash.
                DirectoryFlush.Flush(Folder);
                if (Path.GetDirectoryName(Folder) is { } parent) DirectoryFlush.Flush(parent);
            }
            var removed = 0;
            foreach (var entry in Directory.EnumerateFileSystemEntries(TempFolder))
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
                removed++;
            }
            LoadInventory();
            return removed;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(error);
        }
    }

    private void LoadInventory()
    {
        foreach (var shard in Directory.EnumerateDirectories(BlobsFolder))
        foreach (var file in Directory.EnumerateFiles(shard))
        {
            // Anything else under blobs/ (an editor's backup, a stray file) is not a blob.
            if (Cid.TryParse(Path.GetFileName(file), out var cid) && PathOf(cid) == file) Listed(cid);
        }
    }

    private void Listed(Cid cid)
    {
        if (_inventory.TryAdd(cid, 0)) Interlocked.Increment(ref _inventoryVersion);
    }

    /// <summary>
    /// Removes this node's copy (the repair's hand-over, once the nodes that should hold the blob
    /// have verified copies). The inventory forgets the CID first, so the copy is never listed
    /// without its file; a failed delete leaves the file, listed again from the next start.
    /// </summary>
    /// <returns>False when the file could not be deleted.</returns>
    public bool Delete(Cid cid)
    {
        if (_inventory.TryRemove(cid, out _)) Interlocked.Increment(ref _inventoryVersion);
        try
        {
            File.Delete(PathOf(cid));
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Where the blob with <paramref name="cid"/> lives: <c>blobs/&lt;xy&gt;/&lt;cid&gt;</c>.</summary>
    public string PathOf(Cid cid) => Path.Combine(BlobsFolder, ShardOf(cid), cid.ToString());

    /// <summary>The blob's folder under blobs/: the two characters of the CID text before its last one.</summary>
    public static string ShardOf(Cid cid)
    {
        // The first characters are the same for every CID (the header: "bafkrei"); the last one
        // carries only 3 digest bits. The two before it are pure digest.
        var text = cid.ToString();
        return text.Substring(text.Length - 3, 2);
    }

    /// <summary>
    /// Makes the blob durable on this node: whole, fsynced, under its CID. A copy already there
    /// that verifies is kept as it is; a corrupt one is replaced atomically.
    /// </summary>
    /// <param name="bytes">The blob; the caller has checked that it is what <paramref name="cid"/> names.</param>
    /// <exception cref="StoreWriteException">The disk is full or the folder is unusable; the temp file has been removed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the rename; nothing is left behind.</exception>
    public BlobWrite Write(Cid cid, ReadOnlySpan<byte> bytes, CancellationToken cancellationToken = default)
    {
        var final = PathOf(cid);
        // A new blob is the common case: check for the file first instead of reading and
        // catching FileNotFoundException, which cost an exception per put.
        var replacing = false;
        if (File.Exists(final))
        {
            var existing = Read(cid);
            if (existing.IsFound)
            {
                Listed(cid);
                return BlobWrite.AlreadyPresent;
            }
            replacing = existing.State == LocalBlobState.Corrupt;
        }
        string? temp = null;
        try
        {
            Directory.CreateDirectory(TempFolder);
            temp = Path.Combine(TempFolder, $"{cid}.{Guid.NewGuid():N}.tmp");
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            cancellationToken.ThrowIfCancellationRequested();
            var shard = Path.GetDirectoryName(final)!;
            if (!Directory.Exists(shard))
            {
                Directory.CreateDirectory(shard);
                DirectoryFlush.Flush(BlobsFolder); // the new folder's own entry
            }
            BeforeRename?.Invoke(temp, final);
            try
            {
                File.Move(temp, final, overwrite: replacing);
            }
            catch (IOException) when (!replacing && File.Exists(final))
            {
                // Another put of the same content won the race: the same bytes are in place.
                Listed(cid);
                return BlobWrite.AlreadyPresent;
            }
            temp = null;
            DirectoryFlush.Flush(shard);
            Listed(cid);
            return replacing ? BlobWrite.ReplacedCorrupt : BlobWrite.Written;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(error);
        }
        finally
        {
            if (temp is not null) TryDelete(temp);
        }
    }

    /// <summary>Reads and verifies this node's copy of the blob.</summary>
    public LocalBlob Read(Cid cid)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(PathOf(cid));
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return LocalBlob.Missing;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return LocalBlob.Corrupt($"unreadable: {error.Message}");
        }
        return cid.Matches(bytes)
            ? LocalBlob.Found(bytes)
            : LocalBlob.Corrupt($"its {bytes.Length} bytes do not hash to the CID");
    }

    private StoreWriteException WriteFailure(Exception error)
    {
        var diskFull = error.HResult is Enospc or Edquot or WinDiskFull or WinHandleDiskFull;
        var what = diskFull ? "is full"
            : error is UnauthorizedAccessException ? "is not writable"
            : error is DirectoryNotFoundException ? "is not usable (a folder in it is missing or is a file)"
            : "could not be written";
        return new StoreWriteException($"store folder '{Folder}' {what}: {error.Message}", diskFull, error);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Left for Open to remove at the next start; it is in tmp/, never under blobs/.
        }
    }
}

/// <summary>What <see cref="BlobStore.Write"/> did.</summary>
internal enum BlobWrite
{
    /// <summary>The blob is now on disk, durable.</summary>
    Written,
    /// <summary>A verified copy was already there; nothing was written.</summary>
    AlreadyPresent,
    /// <summary>A corrupt copy was there and has been replaced by the given bytes.</summary>
    ReplacedCorrupt,
}
