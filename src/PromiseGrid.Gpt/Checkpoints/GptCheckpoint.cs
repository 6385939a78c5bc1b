using System.Globalization;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Training;

namespace PromiseGrid.Gpt.Checkpoints;

/// <summary>
/// Whole-model checkpoints: one safetensors file holding every parameter under its GPT-2 name
/// (<c>wte</c>, <c>wpe</c>, <c>h.0.attn.c_attn.weight</c>, ...) and the hyper-parameters in
/// <c>__metadata__</c> (<see cref="FormatKey"/>, <see cref="VersionKey"/>, <c>layers</c>,
/// <c>dim</c>, <c>heads</c>, <c>context</c>, <c>vocab</c>), so the file describes itself and other
/// tools can read it.
/// </summary>
/// <remarks>
/// A checkpoint saved from a <see cref="Trainer"/> also holds what resuming needs, in the same file
/// so that weights and optimizer state can never come from different saves: the AdamW moments as
/// tensors <c>optimizer.m.&lt;name&gt;</c> and <c>optimizer.v.&lt;name&gt;</c> (same shapes as the
/// parameter; a matrix trained with <see cref="Muon"/> keeps its momentum in the first), and in the metadata the step counts and the trainer's options under
/// <c>train.*</c> keys. The trainer picks its training windows from (seed, step) alone, so the
/// step is the whole of the data position. <see cref="Load"/> ignores all of that and reads the
/// model from either kind of file.
/// </remarks>
public static class GptCheckpoint
{
    /// <summary>Metadata key naming the format; its value is <see cref="FormatName"/>.</summary>
    public const string FormatKey = "format";

    /// <summary>The value of <see cref="FormatKey"/> in files this class writes.</summary>
    public const string FormatName = "promisegrid-gpt";

    /// <summary>Metadata key of the format version; its value is <see cref="FormatVersion"/>.</summary>
    public const string VersionKey = "format_version";

    /// <summary>The version this class writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Prefix of the tensors holding AdamW's first moments.</summary>
    public const string FirstMomentPrefix = "optimizer.m.";

    /// <summary>Prefix of the tensors holding AdamW's second moments.</summary>
    public const string SecondMomentPrefix = "optimizer.v.";

    private const string TrainStepKey = "train.step";
    private const string OptimizerStepsKey = "train.optimizer_steps";
    private const string BatchKey = "train.batch";
    private const string WindowKey = "train.window";
    private const string SeedKey = "train.seed";
    private const string LrMaxKey = "train.lr_max";
    private const string LrMinKey = "train.lr_min";
    private const string LrWarmupKey = "train.lr_warmup_steps";
    private const string LrTotalKey = "train.lr_total_steps";
    private const string WeightDecayKey = "train.weight_decay";
    private const string ClipNormKey = "train.clip_norm";
    /// <summary>"muon" when the blocks' matrices were trained with Muon (their momentum in optimizer.m.*); absent or "adamw": AdamW throughout.</summary>
    private const string OptimizerKey = "train.optimizer";

    private static readonly string[] ReservedKeys =
    [
        FormatKey, VersionKey, "layers", "dim", "heads", "context", "vocab",
        TrainStepKey, OptimizerStepsKey, BatchKey, WindowKey, SeedKey, LrMaxKey, LrMinKey, LrWarmupKey, LrTotalKey, WeightDecayKey, ClipNormKey, OptimizerKey,
    ];

    /// <summary>
    /// Writes <paramref name="model"/>'s parameters and hyper-parameters to <paramref name="path"/>
    /// atomically (a temporary file in the same directory, then a rename), so an interrupted save
    /// leaves the previous file intact. <paramref name="extraMetadata"/> is stored alongside; its
    /// keys must not be those this class writes.
    /// </summary>
    public static void Save(GptModel model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var metadata = ModelMetadata(model.Config, extraMetadata);
        SafeTensors.WriteFile(path, model.Tensors().Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)t.Data)), metadata);
    }

    /// <summary>
    /// Writes the trainer's model as <see cref="Save(GptModel, string, IReadOnlyDictionary{string, string}?)"/>
    /// does, plus what <see cref="RestoreTraining"/> needs to continue exactly where it stopped: the
    /// AdamW moments, the step counts and the trainer's options.
    /// </summary>
    public static void Save(Trainer trainer, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var model = trainer.Model;
        var metadata = ModelMetadata(model.Config, extraMetadata);
        var options = trainer.Options;
        metadata[TrainStepKey] = Format(trainer.Step);
        metadata[OptimizerStepsKey] = Format(trainer.Optimizer.Steps);
        metadata[BatchKey] = Format(options.BatchSize);
        metadata[WindowKey] = Format(trainer.Window);
        metadata[SeedKey] = Format(options.Seed);
        metadata[LrMaxKey] = Format(trainer.Schedule.Max);
        metadata[LrMinKey] = Format(trainer.Schedule.Min);
        metadata[LrWarmupKey] = Format(trainer.Schedule.WarmupSteps);
        metadata[LrTotalKey] = Format(trainer.Schedule.TotalSteps);
        metadata[WeightDecayKey] = Format(options.WeightDecay);
        metadata[ClipNormKey] = Format(options.ClipNorm);
        metadata[OptimizerKey] = options.Muon ? "muon" : "adamw";

        var layout = model.Layout.Tensors;
        var tensors = model.Tensors().Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)t.Data))
            .Concat(layout.Select(t => (FirstMomentPrefix + t.Name, (int[])t.Shape.Clone(), (ReadOnlyMemory<float>)trainer.Optimizer.FirstMoment.AsMemory(t.Offset, t.Length))))
            .Concat(layout.Select(t => (SecondMomentPrefix + t.Name, (int[])t.Shape.Clone(), (ReadOnlyMemory<float>)trainer.Optimizer.SecondMoment.AsMemory(t.Offset, t.Length))));
        SafeTensors.WriteFile(path, tensors, metadata);
    }

    /// <summary>
    /// Reads the model at <paramref name="path"/>: its hyper-parameters from the metadata, then every
    /// parameter tensor, each checked against the shape the hyper-parameters imply. Optimizer state,
    /// if present, is ignored. A missing, truncated, corrupt or mismatched file throws
    /// <see cref="CheckpointFormatException"/> whose message names the file and the fault.
    /// </summary>
    public static GptModel Load(string path)
    {
        var file = Open(path);
        var config = ConfigOf(file, path);
        var model = new GptModel(config);
        Fill(file, path, model.Layout, "", model.Parameters);
        return model;
    }

    /// <summary>The hyper-parameters of the checkpoint at <paramref name="path"/> (the whole file is read and checked).</summary>
    public static GptConfig ReadConfig(string path) => ConfigOf(Open(path), path);

    /// <summary>All <c>__metadata__</c> entries of the checkpoint at <paramref name="path"/>, the hyper-parameters included.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path) => Open(path).Metadata;

    /// <summary>
    /// The options of the trainer that saved <paramref name="path"/> (batch, window, seed, weight
    /// decay, clipping, and as <see cref="TrainerOptions.LearningRate"/> the schedule it was following,
    /// <see cref="Trainer.Schedule"/>), or null when the file holds a model without training state.
    /// </summary>
    public static TrainerOptions? ReadTrainerOptions(string path)
    {
        var file = Open(path);
        if (!file.Metadata.ContainsKey(TrainStepKey)) return null;
        return new TrainerOptions
        {
            BatchSize = ParseInt(file, path, BatchKey),
            WindowLength = ParseInt(file, path, WindowKey),
            Seed = ParseInt(file, path, SeedKey),
            LearningRate = new LearningRate(ParseFloat(file, path, LrMaxKey), ParseFloat(file, path, LrMinKey),
                ParseInt(file, path, LrWarmupKey), ParseInt(file, path, LrTotalKey)),
            WeightDecay = ParseFloat(file, path, WeightDecayKey),
            ClipNorm = ParseFloat(file, path, ClipNormKey),
            Muon = file.Metadata.TryGetValue(OptimizerKey, out var optimizer) && optimizer == "muon",
        };
    }

    /// <summary>
    /// Puts <paramref name="trainer"/> back in the state saved at <paramref name="path"/> by
    /// <see cref="Save(Trainer, string, IReadOnlyDictionary{string, string}?)"/>: parameters, AdamW
    /// moments, step counts and <see cref="Trainer.Schedule"/>. With the same options, seed and thread count, training on from here
    /// gives bit for bit what training straight through would have. Returns false, changing nothing,
    /// when the file holds a model without training state. Throws
    /// <see cref="CheckpointFormatException"/> when the checkpoint's model is not the trainer's.
    /// </summary>
    public static bool RestoreTraining(Trainer trainer, string path)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var file = Open(path);
        var config = ConfigOf(file, path);
        var model = trainer.Model;
        if (config != model.Config)
            throw new CheckpointFormatException($"Checkpoint {path}: it holds a model {Describe(config)}, but the trainer's model is {Describe(model.Config)}.");
        if (!file.Metadata.ContainsKey(TrainStepKey)) return false;

        int step = ParseInt(file, path, TrainStepKey);
        int optimizerSteps = ParseInt(file, path, OptimizerStepsKey);
        var schedule = new LearningRate(ParseFloat(file, path, LrMaxKey), ParseFloat(file, path, LrMinKey),
            ParseInt(file, path, LrWarmupKey), ParseInt(file, path, LrTotalKey));
        var parameters = new float[model.Parameters.Length];
        var first = new float[parameters.Length];
        var second = new float[parameters.Length];
        Fill(file, path, model.Layout, "", parameters);
        Fill(file, path, model.Layout, FirstMomentPrefix, first);
        Fill(file, path, model.Layout, SecondMomentPrefix, second);

        // Everything is read and checked before anything is changed.
        parameters.CopyTo(model.Parameters, 0);
        first.CopyTo(trainer.Optimizer.FirstMoment, 0);
        second.CopyTo(trainer.Optimizer.SecondMoment, 0);
        trainer.Optimizer.Steps = optimizerSteps;
        trainer.Schedule = schedule;
        trainer.Restore(step);
        return true;
    }

    private static Dictionary<string, string> ModelMetadata(GptConfig config, IReadOnlyDictionary<string, string>? extra)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (ReservedKeys.Contains(key, StringComparer.Ordinal))
                    throw new ArgumentException($"Metadata key \"{key}\" is written by the checkpoint itself.", nameof(extra));
                metadata[key] = value;
            }
        }
        metadata[FormatKey] = FormatName;
        metadata[VersionKey] = Format(FormatVersion);
        metadata["layers"] = Format(config.Layers);
        metadata["dim"] = Format(config.Dim);
        metadata["heads"] = Format(config.Heads);
        metadata["context"] = Format(config.Context);
        metadata["vocab"] = Format(GptConfig.VocabularySize);
        return metadata;
    }

    private static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return SafeTensors.ReadFile(path);
        }
        catch (CheckpointFormatException ex)
        {
            throw new CheckpointFormatException($"Checkpoint {path}: {ex.Message}", ex);
        }
        catch (FileNotFoundException ex)
        {
            throw new CheckpointFormatException($"Checkpoint {path}: no such file.", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new CheckpointFormatException($"Checkpoint {path}: no such file (its directory does not exist).", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException($"Checkpoint {path}: cannot be read ({ex.Message})", ex);
        }
    }

    private static GptConfig ConfigOf(SafeTensorsFile file, string path)
    {
        if (!file.Metadata.TryGetValue(FormatKey, out var format))
            throw new CheckpointFormatException($"Checkpoint {path}: not a {FormatName} checkpoint (the safetensors metadata has no \"{FormatKey}\" entry).");
        if (format != FormatName)
            throw new CheckpointFormatException($"Checkpoint {path}: its format is \"{format}\", not \"{FormatName}\".");
        int version = ParseInt(file, path, VersionKey);
        if (version != FormatVersion)
            throw new CheckpointFormatException($"Checkpoint {path}: format version {version}; this build reads version {FormatVersion}.");
        int vocab = ParseInt(file, path, "vocab");
        if (vocab != GptConfig.VocabularySize)
            throw new CheckpointFormatException($"Checkpoint {path}: vocabulary of {vocab} tokens; this model is byte-level ({GptConfig.VocabularySize}).");
        var config = new GptConfig(ParseInt(file, path, "layers"), ParseInt(file, path, "dim"), ParseInt(file, path, "heads"), ParseInt(file, path, "context"));
        try
        {
            return config.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new CheckpointFormatException($"Checkpoint {path}: invalid hyper-parameters: {ex.Message}", ex);
        }
    }

    private static void Fill(SafeTensorsFile file, string path, GptParameterLayout layout, string prefix, float[] target)
    {
        foreach (var tensor in layout.Tensors)
        {
            float[] values;
            try
            {
                values = file.Get(prefix + tensor.Name, tensor.Shape);
            }
            catch (CheckpointFormatException ex)
            {
                throw new CheckpointFormatException($"Checkpoint {path}: {ex.Message}", ex);
            }
            values.CopyTo(target, tensor.Offset);
        }
    }

    private static int ParseInt(SafeTensorsFile file, string path, string key)
    {
        var text = Value(file, path, key);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CheckpointFormatException($"Checkpoint {path}: metadata \"{key}\" is \"{text}\", not an integer.");
    }

    private static float ParseFloat(SafeTensorsFile file, string path, string key)
    {
        var text = Value(file, path, key);
        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CheckpointFormatException($"Checkpoint {path}: metadata \"{key}\" is \"{text}\", not a number.");
    }

    private static string Value(SafeTensorsFile file, string path, string key) =>
        file.Metadata.TryGetValue(key, out var text)
            ? text
            : throw new CheckpointFormatException($"Checkpoint {path}: the metadata has no \"{key}\" entry.");

    // "R" keeps every bit of a float, so a resumed schedule is the saved one exactly.
    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Describe(GptConfig config) =>
        $"(layers {config.Layers}, dim {config.Dim}, heads {config.Heads}, context {config.Context})";
}
