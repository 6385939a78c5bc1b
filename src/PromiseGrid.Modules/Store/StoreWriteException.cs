namespace PromiseGrid.Modules.Store;

/// <summary>
/// A blob could not be made durable on this node's disk. The message is one line for the
/// requester that names the store folder and the system's reason, e.g.
/// <c>store folder '/data/store' is full: No space left on device : '/data/store/tmp/...'</c>.
/// Nothing partial is left under blobs/ when this is thrown, and the temp file is gone.
/// </summary>
internal sealed class StoreWriteException(string message, bool diskFull, Exception inner) : IOException(message, inner)
{
    /// <summary>
    /// True when the disk (or the user's quota) is full: the grid lacks capacity, so a put
    /// answers Overloaded; false when the folder is unusable (not writable, not a folder), a
    /// fault an operator must fix, so a put answers ModuleFailed.
    /// </summary>
    public bool DiskFull { get; } = diskFull;
}
