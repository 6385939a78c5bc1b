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
        Optimizer = new AdamW(model, options.WeightDecay, skip: options.Muon ? Training.Muon.Handles : null);
        if (options.Muon) Muon = new Muon(model, Optimizer.FirstMoment, weightDecay: options.WeightDecay);
        Schedule = options.LearningRate;
        _inputs = new byte[options.BatchSize * Window];
        _targets = new byte[options.BatchSize * Window];
    }

    /// <summary>The model being trained.</summary>
    public GptModel Model => _model;

    public TrainerOptions Options { get; }
    public AdamW Optimizer { get; }

    /// <summary>The blocks' matrices' optimizer when <see cref="TrainerOptions.Muon"/> is set.</summary>
    public Muon? Muon { get; }

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
        return StepOn(_inputs, _targets, batch, Window);
    }

    /// <summary>
    /// One optimisation step on the given windows (<paramref name="inputs"/> and their next bytes
    /// <paramref name="targets"/>, each [<paramref name="batch"/>, <paramref name="time"/>]): forward,
    /// backward, clipping, AdamW at the scheduled rate. Returns the mean loss in nats of the forward,
    /// which ran before the update; <see cref="GptModel.TargetLogProbabilities"/> then holds its
    /// per-byte figures (what <see cref="AdaptiveEvaluation"/> scores).
    /// </summary>
    public float StepOn(ReadOnlySpan<byte> inputs, ReadOnlySpan<byte> targets, int batch, int time)
    {
        _model.ZeroGradients();
        float loss = _model.Forward(inputs, targets, batch, time);
        _model.Backward();
        LastGradientNorm = GradientClipping.ClipByGlobalNorm(_model.Gradients, Options.ClipNorm);
        float rate = Schedule.At(Step);
        Optimizer.Step(rate);
        Muon?.Step(rate);
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
    /// Mean cross-entropy in bits per byte of every byte of <paramref name="text"/> from
    /// <paramref name="from"/> on (the first <paramref name="maxBytes"/> of them, if fewer), each
    /// predicted from the bytes before it: consecutive, non-overlapping windows of
    /// <paramref name="window"/> predicted bytes, the last one shorter if the bytes run out. A
    /// window's input starts one byte before its first predicted byte, so that byte is predicted
    /// from the byte before it; for the text's very first byte, which has none, the input starts
    /// with a newline (as <see cref="Model.Generator"/> reads an empty prompt). So a part of a file
    /// (<paramref name="from"/> &gt; 0) is scored byte for byte, its first byte in the light of the
    /// byte before the part, as a compressor that has read the file up to there would.
    /// </summary>
    /// <returns>The bits per byte; exactly <see cref="ScoredBytes"/> bytes are scored.</returns>
    public static double Evaluate(GptModel model, ReadOnlySpan<byte> text, int from, int window = 0, int batch = 8, long maxBytes = long.MaxValue)
    {
        window = window == 0 ? model.Config.Context : window;
        long scored = ScoredBytes(text.Length, from, maxBytes);
        if (scored < 1)
            throw new ArgumentException($"Nothing to score: the text has {text.Length} bytes and scoring starts at byte {from}.");
        int end = (int)(from + scored);
        double totalNats = 0;
        var inputs = new byte[batch * window];
        var targets = new byte[batch * window];
        int start = from;
        while (start < end)
        {
            // Whole windows go in batches; the last, shorter window goes alone.
            int length = Math.Min(window, end - start);
            int n = length < window ? 1 : Math.Min(batch, (end - start) / window);
            for (int b = 0; b < n; b++)
            {
                int first = start + b * length;
                var input = inputs.AsSpan(b * length, length);
                if (first == 0)
                {
                    input[0] = (byte)'\n';
                    text.Slice(0, length - 1).CopyTo(input[1..]);
                }
                else
                {
                    text.Slice(first - 1, length).CopyTo(input);
                }
                text.Slice(first, length).CopyTo(targets.AsSpan(b * length, length));
            }
            totalNats += (double)model.Forward(inputs.AsSpan(0, n * length), targets.AsSpan(0, n * length), n, length) * n * length;
            start += n * length;
        }
        return totalNats / scored / Math.Log(2);
    }

    /// <summary>How many bytes <see cref="Evaluate(GptModel, ReadOnlySpan{byte}, int, int, int, long)"/> scores: all from <paramref name="from"/> on, at most <paramref name="maxBytes"/>.</summary>
    public static long ScoredBytes(int textLength, int from, long maxBytes = long.MaxValue) =>
        Math.Max(0, Math.Min(maxBytes, (long)textLength - from));

    /// <summary><see cref="Evaluate(GptModel, ReadOnlySpan{byte}, int, int, int, long)"/> of all of <paramref name="text"/> with this trainer's model and window.</summary>
    public double Evaluate(ReadOnlySpan<byte> text, long maxBytes = long.MaxValue) =>
        Evaluate(_model, text, 0, Window, Options.BatchSize, maxBytes);
}
