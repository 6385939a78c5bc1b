namespace PromiseGrid.Modules.Store;

/// <summary>What this node's disk holds for one CID: the verified bytes, nothing, or a copy that failed verification.</summary>
internal readonly record struct LocalBlob(LocalBlobState State, ReadOnlyMemory<byte> Bytes, string? Fault)
{
    public static LocalBlob Missing { get; } = new(LocalBlobState.Missing, ReadOnlyMemory<byte>.Empty, null);

    public static LocalBlob Found(byte[] bytes) => new(LocalBlobState.Found, bytes, null);

    public static LocalBlob Corrupt(string fault) => new(LocalBlobState.Corrupt, ReadOnlyMemory<byte>.Empty, fault);

    public bool IsFound => State == LocalBlobState.Found;
}

/// <summary>The state of this node's copy of a blob.</summary>
internal enum LocalBlobState
{
    /// <summary>The file is there and its bytes hash to the CID.</summary>
    Found,
    /// <summary>No file for the CID.</summary>
    Missing,
    /// <summary>A file is there but its bytes do not hash to the CID, or it cannot be read.</summary>
    Corrupt,
}
