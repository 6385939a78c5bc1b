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
        var ran = await Command.TryRunAsync(RepoPaths.Root, new Dictionary<string, string?> { ["PG_TLS_PASSWORD"] = password }, "bash",
            [Path.Combine(RepoPaths.Root, "deploy", "make-certs.sh"), "--out", folder, .. names], TimeSpan.FromMinutes(1));
        if (ran.ExitCode != 0)
            throw new InvalidOperationException($"deploy/make-certs.sh failed with exit code {ran.ExitCode}:\n{ran.Output}");
        return ran.Stdout;
    }
}
