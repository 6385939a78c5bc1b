using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Training;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// <c>pgrid gpt train --corpus FILE --out MODEL [...]</c>: trains a byte-level GPT on the first 85%
/// of a file, evaluates it on the next 5% (the validation part, <see cref="GptCorpus"/>) at intervals
/// and at the end, and never reads the held-out last 10% (only <c>pgrid gpt eval</c> does); saves a checkpoint (with the
/// optimizer state, so <c>--resume</c> continues exactly) at each evaluation, at the end and on
/// Ctrl+C, and shows a live progress line on standard error.
/// </summary>
/// <remarks>
/// Length of the run: <c>--steps N</c> ends at step N and the cosine schedule decays over N steps
/// (or <c>--schedule-steps</c>); the same seed and thread count then give the same model bit for
/// bit, resumed or not. <c>--minutes M</c> alone is a time budget: the schedule's length is
/// re-estimated at every step as the steps done plus the time left divided by the mean time per
/// step so far, so the rate reaches its floor as the time runs out; such a run depends on the
/// machine's speed and is not reproducible bit for bit. With both, the run ends at whichever
/// comes first and the schedule is the step count's. With neither, the budget is
/// <see cref="DefaultMinutes"/> minutes.
/// </remarks>
public static class GptTrainCommand
{
    public const int DefaultLayers = 4, DefaultDim = 128, DefaultHeads = 4, DefaultContext = 128;
    public const int DefaultBatch = 16, DefaultSeed = 1, DefaultEvalEvery = 200, DefaultEvalBytes = 64 * 1024;
    /// <summary>
    /// Peak learning rate, chosen on the validation part of corpus/kjv.txt (README.md, "Train the GPT
    /// module": 1,500-step runs at 0.002, 0.003, 0.0045 and 0.006; 0.006 was within the seeds' spread of
    /// 0.0045, and the longer ten-minute run tends to want the lower rate).
    /// </summary>
    public const double DefaultLearningRate = 4.5e-3;

    public const double DefaultMinutes = 10;

    /// <summary>
    /// Muon for the blocks' matrices: on the validation part of corpus/kjv.txt, 1,500 steps of it
    /// reached what 4,746 steps (ten minutes) of AdamW did (README.md, "Train the GPT module").
    /// </summary>
    public const string DefaultOptimizer = "muon";

    /// <summary>Warm-up of a time-budgeted run, in steps.</summary>
    private const int TimedWarmupSteps = 100;

    private sealed class Options
    {
        public Option<string> Corpus { get; } = new("--corpus", "-c") { Description = $"The text to train on: its first {100 - GptCorpus.HeldOutPercent - GptCorpus.ValidationPercent}% is learnt from, the next {GptCorpus.ValidationPercent}% evaluated on (validation), the last {GptCorpus.HeldOutPercent}% not read (held out for pgrid gpt eval)", HelpName = "file", Required = true };
        public Option<string> Out { get; } = new("--out", "-o") { Description = "The model file to write (safetensors; with --resume, to continue from)", HelpName = "file", Required = true };
        public Option<int?> Layers { get; } = Int("--layers", $"Transformer blocks (default {DefaultLayers})", 1);
        public Option<int?> Dim { get; } = Int("--dim", $"Width of the residual stream (default {DefaultDim})", 1);
        public Option<int?> Heads { get; } = Int("--heads", $"Attention heads; must divide --dim (default {DefaultHeads})", 1);
        public Option<int?> Context { get; } = Int("--context", $"Bytes the model attends over, and the training window (default {DefaultContext})", 1);
        public Option<int?> Batch { get; } = Int("--batch", $"Windows per step (default {DefaultBatch})", 1);
        public Option<int?> Steps { get; } = Int("--steps", "End at this step (counted from the start of training, across resumes); reproducible bit for bit", 1);
        public Option<int?> ScheduleSteps { get; } = Int("--schedule-steps", "Length of the cosine learning-rate schedule (default --steps): lets a run stop early and be resumed into the same schedule", 1);
        public Option<double?> Minutes { get; } = new("--minutes")
        {
            Description = $"Time budget of this run, in minutes (default {DefaultMinutes} when --steps is not given); the final evaluation comes after it",
            HelpName = "m",
            CustomParser = r => GptOptionParsers.Number(r, "--minutes"),
        };
        public Option<double?> LearningRate { get; } = new("--lr")
        {
            Description = $"Peak learning rate, reached after a linear warm-up and decayed to a tenth along a cosine (default {DefaultLearningRate})",
            HelpName = "rate",
            CustomParser = r => GptOptionParsers.Number(r, "--lr"),
        };
        public Option<string?> Optimizer { get; } = OneOf("--optimizer",
            $"muon: Muon for the blocks' matrices and AdamW for the rest; adamw: AdamW for everything (default {DefaultOptimizer})",
            "muon", "adamw");
        public Option<int?> Seed { get; } = new("--seed")
        {
            Description = $"Seed of the initial weights and of the choice of training windows (default {DefaultSeed})",
            HelpName = "n",
            CustomParser = r => GptOptionParsers.Int(r, "--seed", int.MinValue),
        };
        public Option<int?> EvalEvery { get; } = Int("--eval-every", $"Evaluate on the validation part and save a checkpoint every this many steps (default {DefaultEvalEvery})", 1);
        public Option<int?> EvalBytes { get; } = Int("--eval-bytes", $"Validation bytes read by each intermediate evaluation (default {DefaultEvalBytes}); the final one reads all", 1);
        public Option<bool> Resume { get; } = new("--resume") { Description = "Continue the training saved in --out (its hyper-parameters, optimizer state and step) instead of starting anew" };
        public Option<bool> Force { get; } = new("--force") { Description = "Start anew even if --out exists, replacing it" };
        public Option<bool> Progress { get; } = new("--progress") { Description = "Show the progress line even when standard error is not a terminal" };
        public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Never show the progress line" };

        public IEnumerable<Option> All =>
            [Corpus, Out, Layers, Dim, Heads, Context, Batch, Steps, ScheduleSteps, Minutes, LearningRate, Optimizer, Seed, EvalEvery, EvalBytes, Resume, Force, Progress, Quiet];

        private static Option<string?> OneOf(string name, string description, params string[] values)
        {
            var option = new Option<string?>(name) { Description = description, HelpName = string.Join('|', values) };
            option.AcceptOnlyFromAmong(values);
            return option;
        }

        private static Option<int?> Int(string name, string description, int minimum) => new(name)
        {
            Description = description,
            HelpName = "n",
            CustomParser = r => GptOptionParsers.Int(r, name, minimum),
        };
    }

    public static Command Create(CliConsole console)
    {
        var o = new Options();
        var command = new Command("train",
            $"Train a byte-level GPT on a file, locally. The first {100 - GptCorpus.HeldOutPercent - GptCorpus.ValidationPercent}% of the file is trained on; "
            + $"the next {GptCorpus.ValidationPercent}% (validation, the figure to choose hyper-parameters by) is evaluated in bits per byte "
            + $"every --eval-every steps and at the end; the last {GptCorpus.HeldOutPercent}% is held out for pgrid gpt eval and not read. "
            + "At each evaluation a checkpoint "
            + "(weights, optimizer state, step) is also saved to --out; so it is at the end and on Ctrl+C. "
            + $"Defaults: {DefaultLayers} layers, dim {DefaultDim}, {DefaultHeads} heads, context {DefaultContext} "
            + $"({new GptConfig(DefaultLayers, DefaultDim, DefaultHeads, DefaultContext).ParameterCount:N0} parameters), optimizer {DefaultOptimizer}, {DefaultMinutes} minutes. "
            + "The same --steps, seed and thread count give the same model bit for bit, resumed or not; a --minutes run depends on the machine's speed.");
        foreach (var option in o.All) command.Options.Add(option);
        command.SetAction((parseResult, cancellationToken) =>
            CommandRunner.RunAsync(console, ct => RunAsync(parseResult, o, console, ct), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult p, Options o, CliConsole console, CancellationToken ct)
    {
        var corpus = GptCorpus.Load(p.GetValue(o.Corpus)!);
        var outPath = p.GetValue(o.Out)!;
        var resume = p.GetValue(o.Resume);
        var steps = p.GetValue(o.Steps);
        var scheduleSteps = p.GetValue(o.ScheduleSteps) ?? steps;
        var minutes = p.GetValue(o.Minutes) ?? (steps is null ? DefaultMinutes : null);
        var evalEvery = p.GetValue(o.EvalEvery) ?? DefaultEvalEvery;
        var evalBytes = p.GetValue(o.EvalBytes) ?? DefaultEvalBytes;
        if (resume && p.GetValue(o.Force)) throw new UsageException("--resume continues --out and --force replaces it: give one of them");
        if (p.GetValue(o.Progress) && p.GetValue(o.Quiet)) throw new UsageException("--progress and --quiet contradict each other: give one of them");
        CheckWritable(outPath);

        var trainer = resume ? Resume(p, o, outPath, steps, scheduleSteps, corpus, console) : Start(p, o, outPath, scheduleSteps);
        var model = trainer.Model;
        GptCorpus.RequireWindow(corpus.Train, trainer.Window, $"The training part of '{corpus.Path}' (its first {100 - GptCorpus.HeldOutPercent - GptCorpus.ValidationPercent}%)");
        GptCorpus.RequireBytes(corpus.Validation, $"The validation part of '{corpus.Path}' ({GptCorpus.ValidationPercent}% before the last {GptCorpus.HeldOutPercent}%)");
        if (steps is { } target && trainer.Step >= target)
            throw new UsageException($"'{outPath}' is already at step {trainer.Step}: --steps {target} leaves nothing to do");

        var timeOnly = steps is null;
        var budget = minutes is { } m ? TimeSpan.FromMinutes(m) : (TimeSpan?)null;
        var extra = new Dictionary<string, string>
        {
            ["corpus"] = Path.GetFileName(corpus.Path),
            ["corpus_bytes"] = corpus.Bytes.Length.ToString(CultureInfo.InvariantCulture),
            ["validation"] = $"bytes {corpus.ValidationAt} to {corpus.SplitAt}",
            ["held_out"] = $"last {GptCorpus.HeldOutPercent}% (from byte {corpus.SplitAt})",
        };

        await Log(console, $"{(resume ? "resuming at step " + trainer.Step.ToString(CultureInfo.InvariantCulture) + ": " : "training ")}{GptModelFile.Describe(model.Config)}, "
            + $"batch {trainer.Options.BatchSize} × {trainer.Window} bytes, {(trainer.Options.Muon ? "Muon" : "AdamW")}, peak lr {trainer.Schedule.Max:G3}, seed {trainer.Options.Seed}, "
            + (steps is { } s ? $"to step {s}" + (budget is { } b1 ? $" or {Minutes(b1)}, whichever comes first" : "") : $"for {Minutes(budget!.Value)}"))
            .ConfigureAwait(false);
        await Log(console, $"corpus {corpus.Path}: {corpus.Train.Length:N0} bytes to train on, the next {corpus.Validation.Length:N0} ({GptCorpus.ValidationPercent}%) "
            + $"for validation, the last {corpus.HeldOut.Length:N0} ({GptCorpus.HeldOutPercent}%) held out and not read").ConfigureAwait(false);

        var progress = new TrainingProgress(TrainingProgress.ShouldShow(console, p.GetValue(o.Progress), p.GetValue(o.Quiet)) ? console.Error : null);
        var clock = Stopwatch.StartNew();
        int firstStep = trainer.Step;
        double trainingSeconds = 0, smoothedLoss = double.NaN;
        // Validation reads the file up to the held-out part, so its first byte is predicted from the training byte before it.
        var upToHeldOut = corpus.Bytes.AsMemory(0, corpus.SplitAt);
        var train = corpus.Train;

        while (true)
        {
            if (steps is { } last && trainer.Step >= last) break;
            // At least one step per run, so a tiny budget still makes progress.
            if (budget is { } limit && clock.Elapsed >= limit && trainer.Step > firstStep) break;
            if (ct.IsCancellationRequested)
            {
                progress.Clear();
                GptCheckpoint.Save(trainer, outPath, extra);
                await console.Error.WriteLineAsync($"pgrid: interrupted at step {trainer.Step}; saved '{outPath}' (continue with --resume)").ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
            if (timeOnly) EstimateScheduleLength(trainer, firstStep, clock.Elapsed, budget!.Value);

            var started = Stopwatch.GetTimestamp();
            var loss = trainer.TrainStep(train.Span) / Math.Log(2);
            trainingSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
            smoothedLoss = double.IsNaN(smoothedLoss) ? loss : 0.95 * smoothedLoss + 0.05 * loss;
            var bytesPerSecond = (trainer.Step - firstStep) * (double)trainer.BytesPerStep / trainingSeconds;

            if (trainer.Step % evalEvery == 0 && (steps is null || trainer.Step < steps))
            {
                progress.Clear();
                var bits = Trainer.Evaluate(model, upToHeldOut.Span, corpus.ValidationAt, trainer.Window, trainer.Options.BatchSize, evalBytes);
                GptCheckpoint.Save(trainer, outPath, extra);
                await Log(console, $"step {trainer.Step,6}  loss {smoothedLoss:0.000}  validation {bits:0.000} bits/byte  {bytesPerSecond / 1000:0.0} kB/s  {TrainingProgress.Clock(clock.Elapsed)}").ConfigureAwait(false);
            }
            progress.Update(trainer.Step, steps, smoothedLoss, bytesPerSecond, TimeLeft(trainer.Step, steps, firstStep, clock.Elapsed, budget));
        }

        progress.Clear();
        GptCheckpoint.Save(trainer, outPath, extra);
        var final = Trainer.Evaluate(model, upToHeldOut.Span, corpus.ValidationAt, trainer.Window, trainer.Options.BatchSize);
        var scored = Trainer.ScoredBytes(upToHeldOut.Length, corpus.ValidationAt);
        var throughput = (trainer.Step - firstStep) * (double)trainer.BytesPerStep / Math.Max(trainingSeconds, 1e-9);
        await Log(console, $"step {trainer.Step,6}  loss {smoothedLoss:0.000}  validation {final:0.000} bits/byte (all {scored:N0} validation bytes)  {throughput / 1000:0.0} kB/s  {TrainingProgress.Clock(clock.Elapsed)}").ConfigureAwait(false);
        await Log(console, $"saved '{outPath}': step {trainer.Step}, {trainer.Step - firstStep} steps in this run ({(trainer.Step - firstStep) * (long)trainer.BytesPerStep:N0} bytes trained on at {throughput / 1000:0.0} kB/s)").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>A new model and trainer from the options and defaults.</summary>
    private static Trainer Start(ParseResult p, Options o, string outPath, int? scheduleSteps)
    {
        if (File.Exists(outPath) && !p.GetValue(o.Force))
            throw new UsageException($"'{outPath}' already exists: pass --resume to continue its training or --force to replace it");
        GptConfig config;
        try
        {
            config = new GptConfig(p.GetValue(o.Layers) ?? DefaultLayers, p.GetValue(o.Dim) ?? DefaultDim,
                p.GetValue(o.Heads) ?? DefaultHeads, p.GetValue(o.Context) ?? DefaultContext);
            if (config.Dim % config.Heads != 0)
                throw new UsageException($"--dim {config.Dim} is not a multiple of --heads {config.Heads}: each head takes an equal share of the width");
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Replace("GPT ", "--", StringComparison.Ordinal), e);
        }
        var seed = p.GetValue(o.Seed) ?? DefaultSeed;
        var rate = (float)(p.GetValue(o.LearningRate) ?? DefaultLearningRate);
        var schedule = scheduleSteps is { } total
            ? new LearningRate(rate, rate / 10, Math.Clamp(total / 10, 1, TimedWarmupSteps), total)
            : new LearningRate(rate, rate / 10, TimedWarmupSteps, int.MaxValue);
        var model = new GptModel(config, seed);
        return new Trainer(model, new TrainerOptions { BatchSize = p.GetValue(o.Batch) ?? DefaultBatch, LearningRate = schedule, Seed = seed, Muon = (p.GetValue(o.Optimizer) ?? DefaultOptimizer) == "muon" });
    }

    /// <summary>The trainer saved in <paramref name="outPath"/>, refusing options that contradict it.</summary>
    private static Trainer Resume(ParseResult p, Options o, string outPath, int? steps, int? scheduleSteps, GptCorpus corpus, CliConsole console)
    {
        if (!File.Exists(outPath))
            throw new UsageException($"--resume: there is no '{outPath}' to continue; train without --resume to start");
        var model = GptModelFile.Load(outPath);
        TrainerOptions saved;
        IReadOnlyDictionary<string, string> metadata;
        try
        {
            saved = GptCheckpoint.ReadTrainerOptions(outPath)
                ?? throw new UsageException($"'{outPath}' holds a model without training state, so there is nothing to resume: train anew with --force");
            metadata = GptCheckpoint.ReadMetadata(outPath);
        }
        catch (CheckpointFormatException e)
        {
            throw new CliException(e.Message, ExitCodes.GridError, e);
        }

        Same(p, o.Layers, model.Config.Layers);
        Same(p, o.Dim, model.Config.Dim);
        Same(p, o.Heads, model.Config.Heads);
        Same(p, o.Context, model.Config.Context);
        Same(p, o.Batch, saved.BatchSize);
        Same(p, o.Seed, saved.Seed);
        if (p.GetValue(o.Optimizer) is { } optimizer && (optimizer == "muon") != saved.Muon)
            throw new UsageException($"--optimizer {optimizer} differs from the checkpoint's {(saved.Muon ? "muon" : "adamw")}: a resumed run keeps the settings it was started with");
        if (p.GetValue(o.LearningRate) is { } rate && (float)rate != saved.LearningRate.Max)
            throw new UsageException($"--lr {rate.ToString(CultureInfo.InvariantCulture)} differs from the checkpoint's {saved.LearningRate.Max.ToString(CultureInfo.InvariantCulture)}: a resumed run keeps the settings it was started with");
        if (metadata.TryGetValue("corpus_bytes", out var length) && length != corpus.Bytes.Length.ToString(CultureInfo.InvariantCulture))
            console.Error.WriteLine($"pgrid: note: '{outPath}' was trained on a corpus of {length} bytes; '{corpus.Path}' has {corpus.Bytes.Length}");

        var trainer = new Trainer(model, saved);
        try
        {
            GptCheckpoint.RestoreTraining(trainer, outPath);
        }
        catch (CheckpointFormatException e)
        {
            throw new CliException(e.Message, ExitCodes.GridError, e);
        }
        if (scheduleSteps is { } total)
            trainer.Schedule = trainer.Schedule with { TotalSteps = total };
        return trainer;
    }

    private static void Same(ParseResult p, Option<int?> option, int saved)
    {
        if (p.GetValue(option) is { } given && given != saved)
            throw new UsageException($"{option.Name} {given} differs from the checkpoint's {saved}: a resumed run keeps the settings it was started with");
    }

    /// <summary>
    /// Time-budgeted run: the schedule ends at the step the run is expected to reach, the steps done
    /// plus the time left at the mean pace so far (evaluations included).
    /// </summary>
    private static void EstimateScheduleLength(Trainer trainer, int firstStep, TimeSpan elapsed, TimeSpan budget)
    {
        int done = trainer.Step - firstStep;
        if (done == 0) return;
        double perStep = elapsed.TotalSeconds / done;
        double remaining = Math.Max(0, (budget - elapsed).TotalSeconds / perStep);
        int total = (int)Math.Min(int.MaxValue / 2, trainer.Step + 1 + remaining);
        trainer.Schedule = trainer.Schedule with { TotalSteps = Math.Max(total, trainer.Schedule.WarmupSteps + 1) };
    }

    private static TimeSpan? TimeLeft(int step, int? target, int firstStep, TimeSpan elapsed, TimeSpan? budget)
    {
        TimeSpan? left = budget - elapsed;
        if (target is { } t && step > firstStep)
        {
            var bySteps = TimeSpan.FromSeconds(elapsed.TotalSeconds / (step - firstStep) * (t - step));
            left = left is { } l && l < bySteps ? l : bySteps;
        }
        return left;
    }

    /// <summary>
    /// Creates --out's directory when missing (<c>data/gpt/</c> on a fresh checkout), and refuses an
    /// --out that cannot be written there before any time is spent training.
    /// </summary>
    private static void CheckWritable(string outPath)
    {
        if (Directory.Exists(outPath)) throw new UsageException($"cannot write model '{outPath}': it is a directory");
        var directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (directory is null || Directory.Exists(directory)) return;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write model '{outPath}': cannot create its directory ({Output.OneLine.Of(e.Message, 300)})", e);
        }
    }

    private static string Minutes(TimeSpan time) => time.TotalMinutes >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalMinutes:0.##} minute{(time.TotalMinutes == 1 ? "" : "s")}")
        : string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.###} seconds");

    private static Task Log(CliConsole console, string line) => console.Out.WriteLineAsync(line);
}
