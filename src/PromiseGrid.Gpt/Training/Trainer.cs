using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Training;

/// <summary>
/// Trains a <see cref="GptModel"/> on a byte corpus: each step samples <see cref="TrainerOptions.BatchSize"/>
/// random windows (from a <see cref="Random"/> seeded by <see cref="TrainerOptions.Seed"/>), runs forward
/// and backward, clips the gradient norm and applies AdamW at the scheduled learning rate.
/// </summary>
public sealed class Trainer
{
    private readonly GptModel _model;
    private readonly Random _random;
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
        _random = new Random(options.Seed);
        _inputs = new byte[options.BatchSize * Window];
        _targets = new byte[options.BatchSize * Window];
    }

    public TrainerOptions Options { get; }
    public AdamW Optimizer { get; }

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
            int start = _random.Next(0, corpus.Length - Window);
            corpus.Slice(start, Window).CopyTo(_inputs.AsSpan(b * Window));
            corpus.Slice(start + 1, Window).CopyTo(_targets.AsSpan(b * Window));
        }
        _model.ZeroGradients();
        float loss = _model.Forward(_inputs, _targets, batch, Window);
        _model.Backward();
        LastGradientNorm = GradientClipping.ClipByGlobalNorm(_model.Gradients, Options.ClipNorm);
        Optimizer.Step(Options.LearningRate.At(Step));
        Step++;
        return loss;
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
