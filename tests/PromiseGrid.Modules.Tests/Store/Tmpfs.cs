using System.Diagnostics;

namespace PromiseGrid.Modules.Tests.Store;

/// <summary>
/// A small tmpfs mounted on a folder: a real file system that fills up, for the disk-full
/// tests. Mounting needs root (CI runs as root; see .ci/run), so a run without it fails with
/// that reason rather than pretending the case was covered.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static Tmpfs Mount(string path, int kibibytes)
    {
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k", "tmpfs", path);
        Assert.True(code == 0, $"the disk-full tests mount a {kibibytes} KiB tmpfs and need root for it: mount exited {code}: {output}");
        return new Tmpfs(path);
    }

    public void Dispose() => Run("umount", "-l", Path);

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Trim());
    }
}
