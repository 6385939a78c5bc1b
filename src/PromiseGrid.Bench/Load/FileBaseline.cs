using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Storage;
using PromiseGrid.Modules.Store;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// The store bench's baseline: the same blobs kept as plain files by hand, with the store's own
/// recipe and layout (<c>BlobStore</c>) and nothing else. A write names the file by the blob's CID,
/// writes it to tmp/, fsyncs it, renames it to <c>blobs/&lt;xy&gt;/&lt;cid&gt;</c> and fsyncs that folder;
/// a read loads the file and checks its SHA-256 against the CID. What the store costs beyond this
/// is the grid: the router, the module actor, the completion messages, the existence check.
/// </summary>
/// <remarks>Blocking I/O, as the store's own (it runs its writes on the thread pool).</remarks>
internal sealed class FileBaseline
{
    private readonly string _blobs;
    private readonly string _temp;

    public FileBaseline(string folder)
    {
        _blobs = Path.Combine(folder, "blobs");
        _temp = Path.Combine(folder, "tmp");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_temp);
    }

    /// <summary>Stores <paramref name="blob"/> durably under its CID and returns the CID.</summary>
    public Cid Write(ReadOnlySpan<byte> blob)
    {
        var cid = Cid.Of(blob);
        var final = PathOf(cid);
        var temp = Path.Combine(_temp, $"{cid}.{Guid.NewGuid():N}.tmp");
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(blob);
            file.Flush(flushToDisk: true);
        }
        var shard = Path.GetDirectoryName(final)!;
        if (!Directory.Exists(shard))
        {
            Directory.CreateDirectory(shard);
            DirectoryFlush.Flush(_blobs);
        }
        File.Move(temp, final, overwrite: true);
        DirectoryFlush.Flush(shard);
        return cid;
    }

    /// <summary>Reads the blob of <paramref name="cid"/> and verifies it: true when it is there and whole.</summary>
    public bool ReadVerified(Cid cid) => cid.Matches(File.ReadAllBytes(PathOf(cid)));

    private string PathOf(Cid cid)
    {
        var text = cid.ToString();
        return Path.Combine(_blobs, text.Substring(text.Length - 3, 2), text);
    }
}
