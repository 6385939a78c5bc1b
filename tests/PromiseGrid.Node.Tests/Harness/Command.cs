using System.Diagnostics;

namespace PromiseGrid.Node.Tests.Harness;

/// <summary>
/// Runs a command to its end (dotnet new, dotnet test, npm, docker-compose, deploy/compose-netns,
/// deploy/make-certs.sh, ...) with stdout and stderr read apart, and kills it (with its children)
/// when it runs over its time.
/// </summary>
public static class Command
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    /// <summary>How a command ended. <see cref="ExitCode"/> -1: it could not be started, or ran over its time and was killed (<see cref="Stderr"/> says which).</summary>
    public sealed record Ran(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Stdout, then stderr.</summary>
        public string Output => Stdout + Stderr;
    }

    /// <summary>Runs the command (for at most 8 minutes); its output (stdout, then stderr). Fails the test with that output when it does not exit 0.</summary>
    public static async Task<string> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, string command, params string[] args)
    {
        var ran = await TryRunAsync(workingDirectory, environment, command, args, Limit);
        if (ran.ExitCode != 0)
            throw new InvalidOperationException($"{command} {string.Join(' ', args)} (in {workingDirectory}) exited {ran.ExitCode}:\n{ran.Output}");
        return ran.Output;
    }

    /// <summary>Runs the command and says how it ended; throws nothing.</summary>
    /// <param name="environment">Variables to set over this process's own; a null value removes the variable.</param>
    public static async Task<Ran> TryRunAsync(
        string workingDirectory, IReadOnlyDictionary<string, string?>? environment, string command, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            return new Ran(-1, "", $"{command} could not be started: {error.Message}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return new Ran(-1, await output, $"{await errors}\n{command} {string.Join(' ', info.ArgumentList)} ran over {timeout.TotalMinutes:0.#} minutes and was killed");
            }
            return new Ran(process.ExitCode, await output, await errors);
        }
    }
}
