using System.Globalization;

namespace PromiseGrid.Node.Tests.Scale;

/// <summary>
/// What /proc says about one node process: resident memory, CPU time used so far and when it
/// started, all read without touching the process.
/// </summary>
public readonly record struct NodeProcessStats(long RssBytes, double CpuSeconds, double StartedSecondsAfterBoot)
{
    // USER_HZ: the unit of the times in /proc/PID/stat; 100 on every Linux this runs on
    // (the kernel fixes it for user space whatever its own tick rate).
    private const double TicksPerSecond = 100.0;

    public static NodeProcessStats Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may hold spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime 15, starttime 22.
        var cpuTicks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        var startTicks = long.Parse(fields[19], CultureInfo.InvariantCulture);
        var rssLine = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var rssKiB = long.Parse(rssLine["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return new NodeProcessStats(rssKiB * 1024, cpuTicks / TicksPerSecond, startTicks / TicksPerSecond);
    }

    /// <summary>Seconds since boot now, on the clock of <see cref="StartedSecondsAfterBoot"/>.</summary>
    public static double SecondsSinceBoot() =>
        double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The 1-minute load average, to say how busy the machine was while measuring.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
