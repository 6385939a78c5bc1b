using System.Diagnostics;

namespace PromiseGrid.Node.Tests.Harness;

/// <summary>Runs <c>deploy/make-certs.sh</c>: a grid CA in a folder (made once) and node certificates signed by it.</summary>
public static class MakeCerts
{
    /// <summary>
    /// Makes (or keeps) <c>ca.crt</c> and one <c>NAME.pfx</c> per name in <paramref name="folder"/>,
    /// protected by <paramref name="password"/> (none: an empty password); returns the script's output.
    /// </summary>
    public static async Task<string> RunAsync(string folder, IEnumerable<string> names, string? password = null)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "deploy", "make-certs.sh"));
        info.ArgumentList.Add("--out");
        info.ArgumentList.Add(folder);
        foreach (var name in names) info.ArgumentList.Add(name);
        if (password is null) info.Environment.Remove("PG_TLS_PASSWORD");
        else info.Environment["PG_TLS_PASSWORD"] = password;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash deploy/make-certs.sh");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"deploy/make-certs.sh failed with exit code {process.ExitCode}:\n{await stdout}{await stderr}");
        return await stdout;
    }
}
