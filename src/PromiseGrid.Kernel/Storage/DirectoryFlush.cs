using System.Runtime.InteropServices;

namespace PromiseGrid.Kernel.Storage;

/// <summary>
/// fsync(2) of a directory, so that a file just renamed into it survives a crash: the rename is
/// only durable once the directory's own entry list is on disk.
/// </summary>
/// <remarks>
/// .NET 10 has <see cref="RandomAccess.FlushToDisk"/> for a file handle, but
/// <see cref="File.OpenHandle"/> refuses to open a directory (UnauthorizedAccessException on
/// Linux), so this opens the directory with open(2) and calls fsync(2) through libc (the
/// runtime maps "libc" to the platform's C library, e.g. libc.so.6). On Windows, where a
/// directory cannot be flushed this way and NTFS journals its metadata, it does nothing.
/// </remarks>
internal static class DirectoryFlush
{
    private const int ReadOnly = 0; // O_RDONLY, the same on Linux and macOS

    /// <summary>Makes the entries of <paramref name="directory"/> durable; throws <see cref="IOException"/> with errno's message.</summary>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = open(directory, ReadOnly | CloseOnExec);
        if (fd < 0) throw Failure("open", directory);
        try
        {
            if (fsync(fd) != 0) throw Failure("fsync", directory);
        }
        finally
        {
            close(fd);
        }
    }

    // O_CLOEXEC: a child process started meanwhile does not inherit the descriptor.
    private static int CloseOnExec => OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsMacOS() ? 0x1000000 : 0;

    private static IOException Failure(string call, string directory)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{Marshal.GetPInvokeErrorMessage(errno)} : {call} of directory '{directory}'", errno);
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks for three plain calls
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
#pragma warning restore SYSLIB1054
}
