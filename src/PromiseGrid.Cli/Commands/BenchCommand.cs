using System.CommandLine;
using PromiseGrid.Bench.Gpt;
using PromiseGrid.Bench.Load;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// <c>pgrid bench local|remote|gateway|capabilities|store|wasm|tracing</c>: runs a load driver in this process (no node needed)
/// and prints the grid's figure next to a baseline measured in the same run, and the ratio.
/// <c>pgrid bench gpt</c> measures the byte-level GPT instead (training, forward, generation and serving bytes/s).
/// </summary>
public static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var mode = new Argument<string>("mode")
        {
            Description = "local: requests through IGrid.CompleteAsync (client → router → module) vs raw Akka Ask request/reply, "
                + "and, labelled, the router and module alone vs Akka Tell; remote: IGrid.CompleteAsync across two "
                + "actor systems on loopback vs raw Akka remote Ask; gateway: HTTP POST /complete vs a bare Kestrel endpoint; "
                + "capabilities: IGrid.CompleteAsync on a node that checks a cached bearer token vs the same with checks off; "
                + "store: store/put/ and store/get/ of 1 KiB and 1 MiB blobs (completions/s, MB/s) vs writing (fsync) and reading the same files directly, "
                + "and a repeated store/get/ answered from the completion cache vs by the module (--payload does not apply); "
                + "wasm: wasm/<cid>/<payload> run by examples/wasm/upper.wat (compiled once) vs the same upper-casing as a C# module, both through IGrid.CompleteAsync; "
                + "tracing: the local and remote requests with tracing on (100 % and 1 % sampled) vs off, alternating rounds; "
                + "gpt: a ~1M-parameter byte-level GPT's training, forward-only, KV-cached generation and serving (16 streams batched and unbatched, 1 batched) bytes/s (only --seconds, --warmup and --json apply)",
        };
        mode.AcceptOnlyFromAmong([.. LoadBench.Modes, GptBench.Mode]);
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Closed-loop requesters", DefaultValueFactory = _ => 32 };
        var seconds = new Option<double>("--seconds", "-s") { Description = "Measuring window of each round, in seconds", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup", "-w") { Description = "Warm-up before each round, in seconds", DefaultValueFactory = _ => 2 };
        var payload = new Option<int>("--payload", "-p") { Description = "Payload bytes after the echo/ prefix", DefaultValueFactory = _ => 16 };
        var rounds = new Option<int>("--rounds", "-r") { Description = "Turns baseline and grid take, splitting --seconds", DefaultValueFactory = _ => 5 };
        var json = new Option<string?>("--json") { Description = "Also write the figures as JSON to this file ('-' for stdout)" };
        var command = new Command("bench",
            "Measure the grid against raw Akka.NET or bare Kestrel in one run: completions/s, p50/p99/p99.9 latency, "
            + "bytes allocated per completion, and the ratio grid/baseline. Baseline and grid take turns in several rounds after a warm-up round of each.")
        {
            mode, concurrency, seconds, warmup, payload, rounds, json,
        };

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var options = new LoadOptions(parseResult.GetValue(concurrency), parseResult.GetValue(seconds),
                parseResult.GetValue(warmup), parseResult.GetValue(payload), parseResult.GetValue(rounds));
            if (options.Concurrency < 1 || options.Seconds <= 0 || options.WarmupSeconds < 0 || options.PayloadBytes < 0 || options.Rounds < 1)
                throw new UsageException("--concurrency and --rounds must be at least 1, --seconds positive, --warmup and --payload not negative");
            var jsonTarget = parseResult.GetValue(json);
            if (parseResult.GetValue(mode) == GptBench.Mode)
            {
                var gpt = GptBench.Run(new GptBenchOptions(options.Seconds, options.WarmupSeconds));
                await console.Out.WriteAsync(jsonTarget == "-" ? gpt.ToJson() + Environment.NewLine : gpt.ToTable()).ConfigureAwait(false);
                if (jsonTarget is not null and not "-") await File.WriteAllTextAsync(jsonTarget, gpt.ToJson(), ct).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var report = await LoadBench.RunAsync(parseResult.GetValue(mode)!, options).ConfigureAwait(false);
            if (jsonTarget == "-")
            {
                await console.Out.WriteLineAsync(report.ToJson()).ConfigureAwait(false);
            }
            else
            {
                await console.Out.WriteAsync(report.ToTable()).ConfigureAwait(false);
                if (jsonTarget is not null) await File.WriteAllTextAsync(jsonTarget, report.ToJson(), ct).ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
