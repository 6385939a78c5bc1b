using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Training;

/// <summary>What <see cref="AdaptiveEvaluation.Evaluate"/> measured.</summary>
/// <param name="BitsPerByte">Mean cross-entropy of the scored bytes, each predicted before the model learnt from it.</param>
/// <param name="ScoredBytes">How many bytes were scored: every one from the start on (or the first maxBytes).</param>
/// <param name="Steps">Training steps taken while scoring, one per <see cref="AdaptiveEvaluation.Evaluate"/> stride.</param>
/// <param name="LearntSteps">Training steps taken before, on the bytes read but not scored.</param>
public readonly record struct AdaptiveScore(double BitsPerByte, long ScoredBytes, int Steps, int LearntSteps = 0);

/// <summary>
/// Dynamic evaluation, as the neural compressors (NNCP, cmix's LSTM) score a text: the model
/// predicts the next <c>stride</c> bytes with its current weights, those predictions are scored,
/// then it takes one training step on the window that ends at those bytes, and goes on to the
/// next ones. So, like a compressor, it keeps learning while it reads, and byte i is always
/// predicted by weights that have learnt only from bytes before i.
/// </summary>
/// <remarks>
/// Each step is one window of the model's context (fewer bytes only at the very start of a text),
/// batch 1, through <see cref="Trainer.StepOn"/>: the same forward, backward, clipping and AdamW as
/// training, at a constant learning rate, without weight decay (over a few thousand steps it would
/// shrink the trained weights for no gain), with fresh optimizer moments. The score of a stride is
/// read from that step's own forward pass (<see cref="GptModel.TargetLogProbabilities"/>), which runs
/// before the update. The scored bytes sit at the end of their window, so each is predicted from at
/// least context − stride bytes before it; with a learning rate of 0 the weights never change and
/// the figure is that of a sliding window, the share of the gain that context alone brings.
/// The model's weights are changed in place.
/// </remarks>
public static class AdaptiveEvaluation
{
    /// <summary>
    /// Scores every byte of <paramref name="text"/> from <paramref name="from"/> on (the first
    /// <paramref name="maxBytes"/> of them, if fewer), learning as it goes at
    /// <paramref name="learningRate"/>, one step every <paramref name="stride"/> bytes (1 to the context).
    /// As in <see cref="Trainer.Evaluate(GptModel, ReadOnlySpan{byte}, int, int, int, long)"/>, the bytes
    /// before <paramref name="from"/> are context, and the text's very first byte is predicted from a newline.
    /// With <paramref name="learnFrom"/> given (null: nothing is read first), the model first reads the bytes
    /// from <paramref name="learnFrom"/> to <paramref name="from"/> the same way, learning from them
    /// without scoring them: what a compressor has read before the part it is measured on.
    /// </summary>
    public static AdaptiveScore Evaluate(GptModel model, ReadOnlySpan<byte> text, int from, float learningRate, int stride,
        long maxBytes = long.MaxValue, int? learnFrom = null, CancellationToken cancellationToken = default)
    {
        int context = model.Config.Context;
        if (stride < 1 || stride > context)
            throw new ArgumentOutOfRangeException(nameof(stride), stride, $"The stride must be between 1 and the model's context ({context}).");
        if (!(learningRate >= 0) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and not negative.");
        int readFrom = learnFrom ?? from;
        if (readFrom < 0 || readFrom > from)
            throw new ArgumentOutOfRangeException(nameof(learnFrom), learnFrom, $"Reading must start between the text's first byte and the first scored one ({from}).");
        long scored = Trainer.ScoredBytes(text.Length, from, maxBytes);
        if (scored < 1)
            throw new ArgumentException($"Nothing to score: the text has {text.Length} bytes and scoring starts at byte {from}.");

        var trainer = new Trainer(model, new TrainerOptions
        {
            BatchSize = 1,
            LearningRate = LearningRate.Constant(learningRate),
            WeightDecay = 0f,
        });
        var inputs = new byte[context];
        var targets = new byte[context];

        // Learnt from, not scored: the same strides, ending at the first scored byte.
        for (int start = readFrom; start < from; start += stride)
        {
            cancellationToken.ThrowIfCancellationRequested();
            StepOnWindowEndingAt(trainer, text, inputs, targets, Math.Min(start + stride, from));
        }
        int learnt = trainer.Step;

        int end = (int)(from + scored);
        double nats = 0;
        for (int start = from; start < end; start += stride)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int last = Math.Min(start + stride, end), count = last - start;
            int time = StepOnWindowEndingAt(trainer, text, inputs, targets, last);
            var logs = model.TargetLogProbabilities;
            for (int i = time - count; i < time; i++) nats -= logs[i];
        }
        return new AdaptiveScore(nats / scored / Math.Log(2), scored, trainer.Step - learnt, learnt);
    }

    /// <summary>
    /// One training step on the context-long window whose targets end at byte <paramref name="last"/>
    /// (exclusive); its inputs are the bytes one before, the text's first byte predicted from a newline.
    /// The step's own forward pass, before the update, leaves the window's scores in
    /// <see cref="GptModel.TargetLogProbabilities"/>. Returns the window's length.
    /// </summary>
    private static int StepOnWindowEndingAt(Trainer trainer, ReadOnlySpan<byte> text, byte[] inputs, byte[] targets, int last)
    {
        int time = Math.Min(inputs.Length, last), first = last - time;
        var input = inputs.AsSpan(0, time);
        if (first == 0)
        {
            input[0] = (byte)'\n';
            text[..(time - 1)].CopyTo(input[1..]);
        }
        else
        {
            text.Slice(first - 1, time).CopyTo(input);
        }
        text.Slice(first, time).CopyTo(targets);
        trainer.StepOn(input, targets.AsSpan(0, time), 1, time);
        return time;
    }
}
