namespace PromiseGrid.Bench.Idle;

/// <summary>
/// CPU time a process has used, from Linux's /proc/PID/stat (utime + stime), and per thread
/// from /proc/PID/task/*/stat, grouped by thread name (comm), so a figure says who spent it.
/// </summary>
internal static class ProcCpu
{
    /// <summary>Clock ticks per second of the stat files' times (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds the whole process has used (all its threads, living and ended).</summary>
    public static double ProcessSeconds(int pid) => Ticks(File.ReadAllText($"/proc/{pid}/stat")).Total / TicksPerSecond;

    /// <summary>CPU seconds and name of each thread alive now, by thread id.</summary>
    public static Dictionary<int, (string Name, double Seconds)> ThreadSeconds(int pid)
    {
        var threads = new Dictionary<int, (string, double)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended between listing and reading
            }
            var (name, total) = Ticks(stat);
            threads[int.Parse(Path.GetFileName(task))] = (name, total / TicksPerSecond);
        }
        return threads;
    }

    /// <summary>
    /// CPU seconds per thread name between two readings: threads alive at the end, minus what
    /// they had at the start (a thread born in between counts whole). A thread that ended in
    /// between is missing, so the names can add up to less than the process.
    /// </summary>
    public static Dictionary<string, double> ByName(Dictionary<int, (string Name, double Seconds)> before,
        Dictionary<int, (string Name, double Seconds)> after)
    {
        var byName = new Dictionary<string, double>();
        foreach (var (tid, (name, seconds)) in after)
            byName[name] = byName.GetValueOrDefault(name) + seconds - (before.TryGetValue(tid, out var then) ? then.Seconds : 0);
        return byName;
    }

    /// <summary>
    /// The name (field 2, in parentheses, may hold spaces) and utime + stime (fields 14 and 15).
    /// Fields after the name are counted from its closing parenthesis, as proc(5) advises.
    /// </summary>
    private static (string Name, long Total) Ticks(string stat)
    {
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        var name = stat[(open + 1)..close];
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        return (Normalize(name), long.Parse(fields[11]) + long.Parse(fields[12]));
    }

    /// <summary>Numbered threads of one kind count as one name (".NET TP Worker", "DotNetty 3").</summary>
    private static string Normalize(string name) => name.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', '#', '-', '_');
}
