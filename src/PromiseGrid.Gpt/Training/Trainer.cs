using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Training;

/// <summary>
/// Trains a <see cref="GptModel"/> on a byte corpus: each step samples <see cref="TrainerOptions.BatchSize"/>
/// random windows, runs forward and backward, clips the gradient norm and applies AdamW at the
/// scheduled learning rate.
/// </summary>
/// <remarks>
/// The start of window b of step s is a hash of (<see cref="TrainerOptions.Seed"/>, s, b) rather
/// than the next draw of a stateful generator, so the step number is the whole of the data
/// position: a trainer restored at step s (see <see cref="Checkpoints.GptCheckpoint.RestoreTraining"/>)
/// reads the same windows as one that ran there without stopping.
/// </remarks>
public sealed class Trainer
{
    private readonly GptModel _model;
    private readonly byte[] _inputs, _targets;

    public Trainer(GptModel model, TrainerOptions options)
    {
        _model = model;
        Options = options;
        Window = options.WindowLength == 0 ? model.Config.Context : options.WindowLength;
        if (Window < 1 || Window > model.Config.Context)
            throw new ArgumentException($"Window length must be between 1 and the context ({model.Config.Context}).");
        if (options.BatchSize < 1) throw new ArgumentException($"Batch size must be at least 1 (got {options.BatchSize}).");
        Optimizer = new AdamW(model, options.WeightDecay);
        Schedule = options.LearningRate;
        _inputs = new byte[options.BatchSize * Window];
        _targets = new byte[options.BatchSize * Window];
    }

    /// <summary>The model being trained.</summary>
    public GptModel Model => _model;

    public TrainerOptions Options { get; }
    public AdamW Optimizer { get; }

    /// <summary>
    /// The learning-rate schedule the next steps follow: <see cref="TrainerOptions.LearningRate"/> at
    /// first. A run with a time budget rather than a step count sets it again as its estimate of the
    /// number of steps it will reach improves; checkpoints save it.
    /// </summary>
    public LearningRate Schedule { get; set; }

    /// <summary>Bytes per training window (the model's context unless set).</summary>
    public int Window { get; }

    /// <summary>Steps taken so far; the learning rate of the next step is the schedule at this value.</summary>
    public int Step { get; private set; }

    /// <summary>Gradient norm before clipping, of the last step.</summary>
    public float LastGradientNorm { get; private set; }

    /// <summary>Bytes predicted per step (batch × window).</summary>
    public int BytesPerStep => Options.BatchSize * Window;

    /// <summary>One optimisation step on random windows of <paramref name="corpus"/>; returns the batch's mean loss in nats.</summary>
    public float TrainStep(ReadOnlySpan<byte> corpus)
    {
        if (corpus.Length < Window + 1)
            throw new ArgumentException($"The corpus ({corpus.Length} bytes) is shorter than one window ({Window + 1} bytes).");
        int batch = Options.BatchSize;
        for (int b = 0; b < batch; b++)
        {
            int start = WindowStart(Options.Seed, Step, b, batch, corpus.Length - Window);
            corpus.Slice(start, Window).CopyTo(_inputs.AsSpan(b * Window));
            corpus.Slice(start + 1, Window).CopyTo(_targets.AsSpan(b * Window));
        }
        _model.ZeroGradients();
        float loss = _model.Forward(_inputs, _targets, batch, Window);
        _model.Backward();
        LastGradientNorm = GradientClipping.ClipByGlobalNorm(_model.Gradients, Options.ClipNorm);
        Optimizer.Step(Schedule.At(Step));
        Step++;
        return loss;
    }

    /// <summary>Sets the step counter when training state is restored from a checkpoint.</summary>
    internal void Restore(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        Step = step;
    }

    /// <summary>
    /// A start in [0, <paramref name="range"/>) for window <paramref name="index"/> of step
    /// <paramref name="step"/>: SplitMix64's mixing function over (seed, step·batch + index), scaled
    /// to the range by a 64×64→128-bit multiply (bias below 2^-32 for any corpus that fits in memory).
    /// </summary>
    private static int WindowStart(int seed, int step, int index, int batch, int range)
    {
        ulong counter = (ulong)step * (ulong)batch + (ulong)index;
        ulong hash = Mix(Mix((ulong)(uint)seed + 0x9E3779B97F4A7C15UL) ^ (counter * 0x9E3779B97F4A7C15UL));
        return (int)Math.BigMul(hash, (ulong)range, out _);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Mean cross-entropy over <paramref name="corpus"/> in bits per byte: consecutive, non-overlapping
    /// windows from the start (each predicting Window bytes), at most <paramref name="maxBytes"/> predicted bytes.
    /// </summary>
    public static double Evaluate(GptModel model, ReadOnlySpan<byte> corpus, int window = 0, int batch = 8, long maxBytes = long.MaxValue)
    {
        window = window == 0 ? model.Config.Context : window;
        int windows = (int)Math.Min((corpus.Length - 1) / window, maxBytes / window);
        if (windows < 1)
            throw new ArgumentException($"The corpus ({corpus.Length} bytes) is shorter than one window ({window + 1} bytes).");
        double totalNats = 0;
        long predicted = 0;
        for (int first = 0; first < windows; first += batch)
        {
            int n = Math.Min(batch, windows - first);
            var inputs = new byte[n * window];
            var targets = new byte[n * window];
            for (int b = 0; b < n; b++)
            {
                int start = (first + b) * window;
                corpus.Slice(start, window).CopyTo(inputs.AsSpan(b * window));
                corpus.Slice(start + 1, window).CopyTo(targets.AsSpan(b * window));
            }
            totalNats += (double)model.Forward(inputs, targets, n, window) * n * window;
            predicted += n * window;
        }
        return totalNats / predicted / Math.Log(2);
    }

    /// <summary><see cref="Evaluate(GptModel, ReadOnlySpan{byte}, int, int, long)"/> with this trainer's model and window.</summary>
    public double Evaluate(ReadOnlySpan<byte> corpus, long maxBytes = long.MaxValue) =>
        Evaluate(_model, corpus, Window, Options.BatchSize, maxBytes);
}
