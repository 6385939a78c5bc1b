using System.Diagnostics;
using PromiseGrid.Bench.Load;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Training;

namespace PromiseGrid.Bench.Gpt;

/// <summary>
/// Throughput of the byte-level GPT (the figures in README.md#the-gpt): training bytes/s (target bytes through
/// <see cref="Trainer.TrainStep"/>: forward, backward, clipping, AdamW), forward-only bytes/s
/// (<see cref="GptModel.Forward"/> with targets, the work of an evaluation) and KV-cached
/// generation bytes/s (<see cref="Generator.Generate"/>, top-k sampling, the window cut and
/// reloaded as in serving), and serving bytes/s: concurrent streams batched and unbatched
/// (<see cref="Serving"/>). One model, initialised from a fixed seed, on a fixed synthetic corpus
/// (seeded printable bytes: throughput does not depend on what the bytes say). Each figure is
/// warmed up, then measured for a wall-clock window; the machine's other load counts against it.
/// </summary>
public static class GptBench
{
    public const string Mode = GptBenchReport.Mode;

    /// <summary>Bytes generated per <see cref="Generator.Generate"/> call: several window cuts each.</summary>
    public const int GenerationChunk = 512;

    public static GptBenchReport Run(GptBenchOptions options)
    {
        var config = options.Config.Validate();
        var model = new GptModel(config, seed: 1);
        if (options.Threads > 0) model.Threads = options.Threads;
        var corpus = Corpus(1 << 20);

        var trainer = new Trainer(model, new TrainerOptions { BatchSize = options.Batch, Seed = 1 });
        var training = Measure(options, "training", "Trainer.TrainStep (forward, backward, clip, AdamW)",
            () => { trainer.TrainStep(corpus); return trainer.BytesPerStep; });
        // pgrid gpt train's default optimizer: the same step plus Muon's orthogonalization of the blocks' matrices.
        var muonTrainer = new Trainer(new GptModel(config, seed: 1) { Threads = model.Threads }, new TrainerOptions { BatchSize = options.Batch, Seed = 1, Muon = true });
        var trainingMuon = Measure(options, "training-muon", "the same with Muon for the blocks' matrices (pgrid gpt train's default)",
            () => { muonTrainer.TrainStep(corpus); return muonTrainer.BytesPerStep; });

        int bytesPerPass = options.Batch * config.Context;
        var inputs = corpus.AsSpan(0, bytesPerPass).ToArray();
        var targets = corpus.AsSpan(1, bytesPerPass).ToArray();
        var forward = Measure(options, "forward", "GptModel.Forward with targets (loss), no backward",
            () => { model.Forward(inputs, targets, options.Batch, config.Context); return bytesPerPass; });

        var generator = new Generator(model);
        var prompt = corpus.AsSpan(0, config.Context / 2).ToArray();
        int seed = 0;
        var generation = Measure(options, "generation", $"Generator.Generate with the KV cache, {GenerationChunk} bytes per call, t=0.8 k=40",
            () => generator.Generate(prompt, GenerationChunk, new SamplingOptions(0.8f, 40, seed++)).Length);

        var serving = Serving(options, model, prompt);

        GptBenchFigure?[] figures = [training, trainingMuon, forward, generation, .. serving];
        return new GptBenchReport(options, config, config.ParameterCount, model.Threads, figures.OfType<GptBenchFigure>().ToArray(),
            LoadReport.DescribeMachine());
    }

    /// <summary>
    /// Serving as the <c>gpt/</c> module serves: concurrent streams of <see cref="GenerationChunk"/>
    /// bytes each (t=0.8 k=40, a seed per stream), aggregate bytes/s. Batched: the streams share each
    /// decoding step (<see cref="BatchedGenerator"/>), one stream alone and <see cref="GptBenchOptions.Streams"/>
    /// together; unbatched, beside it from the same run: the same streams each on its own
    /// <see cref="Generator"/> on the thread pool (how the module served before batching).
    /// </summary>
    private static GptBenchFigure?[] Serving(GptBenchOptions options, GptModel model, byte[] prompt)
    {
        int streams = options.Streams, seed = 0;
        var batched = new BatchedGenerator(model, streams);
        var generator = new Generator(model);
        int Batched(int count)
        {
            var all = Enumerable.Range(0, count).Select(_ => new SamplingOptions(0.8f, 40, seed++))
                .Select(o => Task.Run(() => batched.GenerateAllAsync(prompt, GenerationChunk, o))).ToArray();
            return Task.WhenAll(all).GetAwaiter().GetResult().Sum(b => b.Length);
        }
        int Unbatched(int count)
        {
            var all = Enumerable.Range(0, count).Select(_ => new SamplingOptions(0.8f, 40, seed++))
                .Select(o => Task.Run(() => generator.Generate(prompt, GenerationChunk, o))).ToArray();
            return Task.WhenAll(all).GetAwaiter().GetResult().Sum(b => b.Length);
        }
        return
        [
            Measure(options, "serving-1", $"1 stream, BatchedGenerator, {GenerationChunk} bytes, t=0.8 k=40", () => Batched(1)),
            Measure(options, $"serving-{streams}-unbatched", $"{streams} concurrent streams, each its own Generator on the thread pool, {GenerationChunk} bytes each", () => Unbatched(streams)),
            Measure(options, $"serving-{streams}", $"{streams} concurrent streams sharing each step, BatchedGenerator, {GenerationChunk} bytes each", () => Batched(streams)),
        ];
    }

    /// <summary>
    /// <c>PromiseGrid.Bench gpt [--seconds S] [--warmup S] [--layers N] [--dim N] [--heads N] [--context N]
    /// [--batch N] [--threads N] [--streams N] [--only FIGURE,...] [--json FILE]</c>: prints the table (and writes the JSON); returns the exit code.
    /// </summary>
    public static int RunCommandLine(string[] args)
    {
        var options = new GptBenchOptions();
        string? json = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            double Number() => double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = Number() },
                "--warmup" => options with { WarmupSeconds = Number() },
                "--layers" => options with { Layers = (int)Number() },
                "--dim" => options with { Dim = (int)Number() },
                "--heads" => options with { Heads = (int)Number() },
                "--context" => options with { Context = (int)Number() },
                "--batch" => options with { Batch = (int)Number() },
                "--threads" => options with { Threads = (int)Number() },
                "--streams" => options with { Streams = (int)Number() },
                "--only" => options with { Only = value },
                "--json" => options,
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
            if (args[i] == "--json") json = value;
        }
        var report = Run(options);
        Console.Write(report.ToTable());
        if (json is not null) File.WriteAllText(json, report.ToJson());
        return 0;
    }

    /// <summary>
    /// Calls <paramref name="operation"/> (which returns the bytes it handled) for the warm-up, then for the window;
    /// null when <see cref="GptBenchOptions.Only"/> leaves the figure out.
    /// </summary>
    private static GptBenchFigure? Measure(GptBenchOptions options, string name, string description, Func<int> operation)
    {
        if (!options.Wants(name)) return null;
        var clock = Stopwatch.StartNew();
        do operation(); while (clock.Elapsed.TotalSeconds < options.WarmupSeconds);
        long bytes = 0, operations = 0;
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        clock.Restart();
        do
        {
            bytes += operation();
            operations++;
        }
        while (clock.Elapsed.TotalSeconds < options.Seconds);
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new GptBenchFigure(name, description, bytes, operations, seconds, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Printable ASCII and newlines from a fixed seed.</summary>
    private static byte[] Corpus(int length)
    {
        var random = new Random(7);
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = random.Next(64) == 0 ? (byte)'\n' : (byte)random.Next(32, 127);
        return bytes;
    }
}
