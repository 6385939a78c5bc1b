using System.Globalization;
using PromiseGrid.Bench.Load;

// (The micro-benchmarks are src/PromiseGrid.Bench.Micro, apart, so pgrid carries no BenchmarkDotNet.)
// PromiseGrid.Bench load local|remote|gateway|capabilities|store|wasm|tracing [--concurrency N] [--seconds S] [--warmup S] [--payload B] [--rounds R] [--json FILE]
// PromiseGrid.Bench gpt [--seconds S] [--warmup S] [--layers N] [--dim N] [--heads N] [--context N] [--batch N] [--threads N] [--json FILE]
// PromiseGrid.Bench wasm-runtime [--requests N]
// PromiseGrid.Bench idle [--nodes N] [--seconds S] [--rounds R] [--warmup S] [--node-dll PATH] [--node-config FILE] [--json FILE]
if (args.Length > 0 && args[0] == PromiseGrid.Bench.Gpt.GptBench.Mode)
{
    return PromiseGrid.Bench.Gpt.GptBench.RunCommandLine(args[1..]);
}
if (args.Length > 0 && args[0] == PromiseGrid.Bench.Idle.IdleBench.Mode)
{
    return await PromiseGrid.Bench.Idle.IdleBench.RunCommandLine(args[1..]);
}
if (args.Length > 0 && args[0] == WasmRuntimeBench.Mode)
{
    return WasmRuntimeBench.RunCommandLine(args[1..]);
}
// The idle bench's baseline process (started by the idle mode, not by hand).
if (args.Length > 0 && args[0] == PromiseGrid.Bench.Idle.BareClusterNode.Mode)
{
    return await PromiseGrid.Bench.Idle.BareClusterNode.RunAsync(args.Length > 1 ? args[1] : null);
}
if (args.Length < 2 || args[0] != "load" || !LoadBench.Modes.Contains(args[1]))
{
    Console.Error.WriteLine("usage: PromiseGrid.Bench load local|remote|gateway|capabilities|store|wasm|tracing [--concurrency N] [--seconds S] [--warmup S] [--payload B] [--rounds R] [--json FILE] | gpt [--seconds S] [--warmup S] [--streams N] [--json FILE] | " + PromiseGrid.Bench.Idle.IdleOptions.Usage);
    return 2;
}
var options = new LoadOptions();
string? json = null;
for (var i = 2; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    options = args[i] switch
    {
        "--concurrency" => options with { Concurrency = int.Parse(value, CultureInfo.InvariantCulture) },
        "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
        "--warmup" => options with { WarmupSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
        "--payload" => options with { PayloadBytes = int.Parse(value, CultureInfo.InvariantCulture) },
        "--rounds" => options with { Rounds = int.Parse(value, CultureInfo.InvariantCulture) },
        "--json" => options,
        _ => throw new ArgumentException($"unknown option {args[i]}"),
    };
    if (args[i] == "--json") json = value;
}
var report = await LoadBench.RunAsync(args[1], options);
Console.Write(report.ToTable());
if (json is not null) await File.WriteAllTextAsync(json, report.ToJson());
return 0;
