using System.Globalization;

namespace PromiseGrid.Bench.Idle;

/// <summary>What <c>PromiseGrid.Bench idle</c> runs: how many processes of each kind, for how long.</summary>
/// <param name="Nodes">Node processes, and as many bare Akka.Cluster processes, side by side.</param>
/// <param name="Seconds">Measuring window of each round.</param>
/// <param name="Rounds">Windows measured one after another, each giving a ratio (their spread shows the noise).</param>
/// <param name="WarmupSeconds">Wait after every process is Up, before the first round: start-up work settles, above all the JIT's tier-1 recompiles (".NET Tiered Compilation" threads), which on a loaded machine go on for tens of seconds.</param>
/// <param name="NodeDll">The stock node to run; null: the repository's Release build.</param>
/// <param name="NodeConfig">A HOCON file the nodes get as <c>--config</c> (to try settings without a rebuild).</param>
/// <param name="Json">Also write the figures to this file.</param>
internal sealed record IdleOptions(int Nodes = 1, double Seconds = 30, int Rounds = 3, double WarmupSeconds = 60,
    string? NodeDll = null, string? NodeConfig = null, string? Json = null)
{
    public const string Usage = "idle [--nodes N] [--seconds S] [--rounds R] [--warmup S] [--node-dll PATH] [--node-config FILE] [--json FILE]";

    public static IdleOptions Parse(string[] args)
    {
        var options = new IdleOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value; usage: {Usage}");
            var value = args[i + 1];
            options = args[i] switch
            {
                "--nodes" => options with { Nodes = int.Parse(value, CultureInfo.InvariantCulture) },
                "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--rounds" => options with { Rounds = int.Parse(value, CultureInfo.InvariantCulture) },
                "--warmup" => options with { WarmupSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--node-dll" => options with { NodeDll = Path.GetFullPath(value) },
                "--node-config" => options with { NodeConfig = Path.GetFullPath(value) },
                "--json" => options with { Json = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; usage: {Usage}"),
            };
        }
        if (options.Nodes < 1 || options.Rounds < 1 || options.Seconds <= 0 || options.WarmupSeconds < 0)
            throw new ArgumentException("--nodes and --rounds must be at least 1, --seconds positive, --warmup not negative");
        return options;
    }
}
