namespace PromiseGrid.Gpt.Training;

/// <summary>
/// Settings of a training run. <see cref="Seed"/> drives the choice of training windows
/// (the model's initial weights have their own seed).
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Windows per step; each window is Context+1 bytes (inputs and their next bytes).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Learning-rate schedule; the default is 3e-4 constant.</summary>
    public LearningRate LearningRate { get; init; } = LearningRate.Constant(3e-4f);

    public float WeightDecay { get; init; } = 0.1f;

    /// <summary>Global gradient-norm limit.</summary>
    public float ClipNorm { get; init; } = 1f;

    public int Seed { get; init; }

    /// <summary>
    /// <see cref="Training.Muon"/> for the blocks' matrices, AdamW for the rest; false (the default
    /// here): AdamW for everything. <c>pgrid gpt train</c> uses Muon unless told <c>--optimizer adamw</c>.
    /// </summary>
    public bool Muon { get; init; }

    /// <summary>Window length in bytes; 0 means the model's context.</summary>
    public int WindowLength { get; init; }
}
