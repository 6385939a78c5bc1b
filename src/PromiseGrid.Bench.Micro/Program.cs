// PromiseGrid.Bench.Micro [BenchmarkDotNet arguments]: the micro-benchmarks (README.md#micro-benchmarks).
return PromiseGrid.Bench.Micro.MicroBenchmarks.Run(args);
