namespace PromiseGrid.Gpt.Training;

/// <summary>
/// Learning-rate schedule: linear warm-up from Max/WarmupSteps to <see cref="Max"/> over
/// <see cref="WarmupSteps"/> steps, then cosine decay to <see cref="Min"/> at
/// <see cref="TotalSteps"/>, and <see cref="Min"/> after that.
/// </summary>
public sealed record LearningRate(float Max, float Min, int WarmupSteps, int TotalSteps)
{
    /// <summary>The rate for step <paramref name="step"/> (0-based).</summary>
    public float At(int step)
    {
        if (step < WarmupSteps) return Max * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return Min;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return (float)(Min + 0.5 * (Max - Min) * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>A constant rate (no warm-up, no decay).</summary>
    public static LearningRate Constant(float rate) => new(rate, rate, 0, 0);
}
