using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PromiseGrid.Bench.Idle;

/// <summary>
/// One child process of the idle bench (a node or a bare Akka.Cluster node), its output kept
/// for when it fails, and its readiness read from its log lines.
/// </summary>
internal sealed partial class IdleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IdleProcess(string kind, Process process)
    {
        Kind = kind;
        _process = process;
    }

    /// <summary>"node" or "bare".</summary>
    public string Kind { get; }
    public int Pid => _process.Id;
    public string? TempFolder { get; private init; }

    public string Log
    {
        get
        {
            lock (_lines) return string.Join('\n', _lines);
        }
    }

    public static IdleProcess Start(string kind, ProcessStartInfo info, string? tempFolder)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        var child = new IdleProcess(kind, Process.Start(info)!) { TempFolder = tempFolder };
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
        if (StartingLine().Match(line) is { Success: true } starting) _address.TrySetResult(starting.Groups[1].Value);
        if (UpLine().IsMatch(line)) _up.TrySetResult();
    }

    /// <summary>The Akka address the process logged as it started.</summary>
    public Task<string> AddressAsync(TimeSpan timeout) => Wait(_address.Task, timeout, "log its address");

    /// <summary>Until the process is Up in its cluster.</summary>
    public Task UpAsync(TimeSpan timeout) => Wait(_up.Task, timeout, "become Up");

    private async Task<T> Wait<T>(Task<T> task, TimeSpan timeout, string what)
    {
        await Wait((Task)task, timeout, what);
        return await task;
    }

    private async Task Wait(Task task, TimeSpan timeout, string what)
    {
        var first = await Task.WhenAny(task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (first != task)
            throw new InvalidOperationException($"{Kind} process {Pid} did not {what} (exited: {_process.HasExited}). Its output:\n{Log}");
    }

    /// <summary>Asks the process to stop (SIGTERM for a node, end of input for a bare node), then kills what remains.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            if (Kind == "node")
                using (var kill = Process.Start("kill", ["-TERM", Pid.ToString()]))
                    await kill.WaitForExitAsync();
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        if (TempFolder is not null)
            try
            {
                Directory.Delete(TempFolder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
    }

    [GeneratedRegex(@"(?:node|bare) starting address=(\S+)")]
    private static partial Regex StartingLine();

    [GeneratedRegex(@"(?:node|bare) up address=")]
    private static partial Regex UpLine();
}
