using System.Diagnostics;

namespace PromiseGrid.Node.Tests.Harness;

/// <summary>Runs a command to its end (dotnet new, dotnet test, ...) and fails the test with its output when it fails.</summary>
public static class Command
{
    public static async Task<string> RunAsync(string workingDirectory, IDictionary<string, string>? environment, string command, params string[] args)
    {
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} ran over 8 minutes:\n{await output}\n{await errors}");
        }
        var text = await output + await errors;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{command} {string.Join(' ', args)} (in {workingDirectory}) exited {process.ExitCode}:\n{text}");
        return text;
    }
}
