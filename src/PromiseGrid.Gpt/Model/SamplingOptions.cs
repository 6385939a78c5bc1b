namespace PromiseGrid.Gpt.Model;

/// <summary>
/// How the next byte is chosen from the model's logits. <see cref="Temperature"/> 0 means greedy
/// (the most likely byte, lowest value on ties); otherwise the logits are divided by the
/// temperature, cut to the <see cref="TopK"/> most likely bytes (0 = all 256) and sampled with a
/// <see cref="Random"/> seeded by <see cref="Seed"/>. Generation ends after the requested number
/// of bytes or when <see cref="StopByte"/> is drawn (the stop byte is not returned).
/// </summary>
public sealed record SamplingOptions(float Temperature = 0.8f, int TopK = 40, int Seed = 0, byte? StopByte = null)
{
    /// <summary>Greedy decoding: always the most likely byte.</summary>
    public static SamplingOptions Greedy { get; } = new(Temperature: 0f, TopK: 0);

    /// <summary>Throws <see cref="ArgumentException"/> on a negative temperature or top-k, or a non-finite temperature.</summary>
    public SamplingOptions Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
            throw new ArgumentException($"Temperature must be a finite number ≥ 0 (got {Temperature}).");
        if (TopK < 0 || TopK > GptConfig.VocabularySize)
            throw new ArgumentException($"Top-k must be between 0 (all bytes) and {GptConfig.VocabularySize} (got {TopK}).");
        return this;
    }
}
