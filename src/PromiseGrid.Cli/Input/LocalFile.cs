namespace PromiseGrid.Cli.Input;

/// <summary>
/// Reads the user's own files (sequences, blobs, modules, corpora) and turns every way that can
/// fail into one <see cref="UsageException"/> line naming the file and why: "no such file",
/// "permission denied", "it is a directory", or the system's own words.
/// </summary>
public static class LocalFile
{
    /// <summary>The whole file; <paramref name="what"/> names it in the error ("file", "corpus", ...).</summary>
    public static byte[] ReadAllBytes(string path, string what = "file") =>
        Guarded(path, what, () => File.ReadAllBytes(path));

    /// <summary>The whole file, read asynchronously.</summary>
    public static async Task<byte[]> ReadAllBytesAsync(string path, CancellationToken cancellationToken, string what = "file")
    {
        RefuseDirectory(path, what);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw Failure(path, what, e);
        }
    }

    /// <summary>The file opened for one front-to-back read.</summary>
    public static FileStream OpenSequential(string path, string what = "file") =>
        Guarded(path, what, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan));

    private static T Guarded<T>(string path, string what, Func<T> read)
    {
        RefuseDirectory(path, what);
        try
        {
            return read();
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw Failure(path, what, e);
        }
    }

    private static void RefuseDirectory(string path, string what)
    {
        if (Directory.Exists(path)) throw new UsageException($"cannot read {what} '{path}': it is a directory");
    }

    private static bool IsReadFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    private static UsageException Failure(string path, string what, Exception e)
    {
        var why = e switch
        {
            FileNotFoundException or DirectoryNotFoundException => "no such file",
            UnauthorizedAccessException => "permission denied",
            _ => Output.OneLine.Of(e.Message, 300),
        };
        return new UsageException($"cannot read {what} '{path}': {why}", e);
    }
}
