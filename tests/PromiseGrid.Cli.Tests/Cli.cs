using System.Text;

namespace PromiseGrid.Cli.Tests;

/// <summary>One in-process run of pgrid and everything it wrote.</summary>
public sealed record CliResult(int ExitCode, byte[] Stdout, string Stderr)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The CLI's error contract: exactly one stderr line, starting "pgrid: ".</summary>
    public string SingleErrorLine()
    {
        var line = Assert.Single(StderrLines);
        Assert.StartsWith("pgrid: ", line);
        return line;
    }
}

/// <summary>Runs <see cref="CliApp.RunAsync"/> with captured streams, the way the executable does.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(string[] args, string? nodeFromEnv = null, byte[]? stdin = null)
    {
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter { NewLine = "\n" };
        using var input = new MemoryStream(stdin ?? []);
        var console = new CliConsole(input, stdout, stderr);
        var exitCode = await CliApp.RunAsync(args, console, nodeFromEnv);
        return new CliResult(exitCode, stdout.ToArray(), stderr.ToString());
    }
}
