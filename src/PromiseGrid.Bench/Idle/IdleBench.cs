using System.Diagnostics;
using PromiseGrid.Bench.Load;

namespace PromiseGrid.Bench.Idle;

/// <summary>
/// <c>PromiseGrid.Bench idle</c>: what an idle node costs, next to what a bare Akka.Cluster
/// node costs on the same machine at the same time. Starts N stock node processes
/// (<c>PG_MODULES=echo,sys</c>, one cluster) and N bare Akka.Cluster processes (Akka's defaults,
/// another cluster), waits until all are Up and a warm-up has passed, then measures each
/// process's CPU time (/proc/PID/stat) over the same windows, and prints CPU % of a core per
/// process, the ratio node/bare per round, and which threads spent it.
/// </summary>
internal static class IdleBench
{
    public const string Mode = "idle";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    public static async Task<int> RunCommandLine(string[] args)
    {
        var options = IdleOptions.Parse(args);
        var report = await RunAsync(options);
        Console.Write(report.ToTable());
        if (options.Json is not null) await File.WriteAllTextAsync(options.Json, report.ToJson());
        return 0;
    }

    public static async Task<IdleReport> RunAsync(IdleOptions options)
    {
        var nodeDll = options.NodeDll ?? RepositoryNodeDll();
        if (!File.Exists(nodeDll)) throw new FileNotFoundException($"no node at {nodeDll}: build it first (dotnet build -c Release src/PromiseGrid.Node) or pass --node-dll");
        var loadBefore = LoadAverage();
        var processes = new List<IdleProcess>();
        try
        {
            // Both clusters start at once, one seed first, so the two sides see the same machine.
            var nodeSeed = StartNode(nodeDll, options.NodeConfig, null, processes);
            var bareSeed = StartBare(null, processes);
            var nodeSeedAddress = await nodeSeed.AddressAsync(StartTimeout);
            var bareSeedAddress = await bareSeed.AddressAsync(StartTimeout);
            for (var i = 1; i < options.Nodes; i++)
            {
                StartNode(nodeDll, options.NodeConfig, nodeSeedAddress, processes);
                StartBare(bareSeedAddress, processes);
            }
            foreach (var process in processes)
                await process.UpAsync(StartTimeout);
            await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds));

            var rounds = new List<IdleRound>();
            var threads = processes.ToDictionary(p => p, _ => new Dictionary<string, double>());
            for (var round = 0; round < options.Rounds; round++)
            {
                var before = processes.ToDictionary(p => p, p => (Total: ProcCpu.ProcessSeconds(p.Pid), Threads: ProcCpu.ThreadSeconds(p.Pid)));
                var clock = Stopwatch.StartNew();
                await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
                var wall = clock.Elapsed.TotalSeconds;
                var percent = new Dictionary<IdleProcess, double>();
                foreach (var process in processes)
                {
                    percent[process] = 100 * (ProcCpu.ProcessSeconds(process.Pid) - before[process].Total) / wall;
                    foreach (var (name, seconds) in ProcCpu.ByName(before[process].Threads, ProcCpu.ThreadSeconds(process.Pid)))
                        threads[process][name] = threads[process].GetValueOrDefault(name) + 100 * seconds / wall / options.Rounds;
                }
                rounds.Add(new IdleRound(
                    processes.Where(p => p.Kind == "node").Select(p => percent[p]).ToArray(),
                    processes.Where(p => p.Kind == "bare").Select(p => percent[p]).ToArray()));
            }
            return new IdleReport(options, rounds, ThreadsOf("node", threads), ThreadsOf("bare", threads),
                LoadReport.DescribeMachine(), loadBefore, LoadAverage(), nodeDll);
        }
        finally
        {
            await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask()));
        }
    }

    /// <summary>CPU % per thread name, averaged over the processes of one kind.</summary>
    private static IReadOnlyList<IdleThread> ThreadsOf(string kind, Dictionary<IdleProcess, Dictionary<string, double>> threads)
    {
        var ofKind = threads.Where(t => t.Key.Kind == kind).Select(t => t.Value).ToList();
        return ofKind.SelectMany(t => t).GroupBy(t => t.Key)
            .Select(g => new IdleThread(g.Key, g.Sum(t => t.Value) / ofKind.Count))
            .OrderByDescending(t => t.Percent).ToList();
    }

    private static IdleProcess StartNode(string nodeDll, string? nodeConfig, string? seed, List<IdleProcess> processes)
    {
        var data = Directory.CreateTempSubdirectory("pg-idle-").FullName;
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = data };
        info.ArgumentList.Add(nodeDll);
        if (nodeConfig is not null)
        {
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(nodeConfig);
        }
        info.Environment["PG_MODULES"] = "echo,sys";
        info.Environment["PG_PORT"] = "0";
        info.Environment["PG_HTTP"] = "http://127.0.0.1:0";
        info.Environment["PG_DATA"] = Path.Combine(data, "data");
        info.Environment["PG_SEEDS"] = seed ?? "";
        var process = IdleProcess.Start("node", info, data);
        processes.Add(process);
        return process;
    }

    private static IdleProcess StartBare(string? seed, List<IdleProcess> processes)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(typeof(IdleBench).Assembly.Location);
        info.ArgumentList.Add(BareClusterNode.Mode);
        if (seed is not null) info.ArgumentList.Add(seed);
        // The node runs with its web project's GC settings (server GC, concurrent); the bare node
        // gets the same, so the two differ only in what runs on top of the runtime.
        info.Environment["DOTNET_gcServer"] = "1";
        info.Environment["DOTNET_gcConcurrent"] = "1";
        var process = IdleProcess.Start("bare", info, null);
        processes.Add(process);
        return process;
    }

    /// <summary>The Release build of src/PromiseGrid.Node in the repository this bench was built from.</summary>
    private static string RepositoryNodeDll()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "PromiseGrid.sln")))
                return Path.Combine(folder.FullName, "src", "PromiseGrid.Node", "bin", "Release", "net10.0", "PromiseGrid.Node.dll");
        throw new FileNotFoundException("not run from a PromiseGrid repository: pass --node-dll");
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
