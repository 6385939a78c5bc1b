namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Hyper-parameters of a byte-level GPT-2-style decoder: <see cref="Layers"/> pre-LayerNorm
/// blocks of width <see cref="Dim"/> with <see cref="Heads"/> attention heads, attending over at
/// most <see cref="Context"/> bytes. The vocabulary is always the 256 byte values.
/// </summary>
public sealed record GptConfig(int Layers, int Dim, int Heads, int Context)
{
    /// <summary>The number of distinct tokens: every byte value is one token.</summary>
    public const int VocabularySize = 256;

    /// <summary>Vocabulary size (always 256), as an instance member for symmetry with the other sizes.</summary>
    public int Vocab => VocabularySize;

    /// <summary>Width of one attention head (<see cref="Dim"/> / <see cref="Heads"/>).</summary>
    public int HeadDim => Dim / Heads;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid hyper-parameter.</summary>
    public GptConfig Validate()
    {
        if (Layers < 1)
            throw new ArgumentException($"GPT layers must be at least 1 (got {Layers}).");
        if (Dim < 1)
            throw new ArgumentException($"GPT dim must be at least 1 (got {Dim}).");
        if (Heads < 1)
            throw new ArgumentException($"GPT heads must be at least 1 (got {Heads}).");
        if (Dim % Heads != 0)
            throw new ArgumentException($"GPT dim ({Dim}) must be a multiple of heads ({Heads}).");
        if (Context < 1)
            throw new ArgumentException($"GPT context must be at least 1 (got {Context}).");
        if (ParameterCount > Array.MaxLength)
            throw new ArgumentException($"GPT with {ParameterCount} parameters does not fit in one array.");
        return this;
    }

    /// <summary>Number of trainable floats (the output projection is tied to the byte embedding, so it adds none).</summary>
    public long ParameterCount
    {
        get
        {
            long c = Dim;
            long perLayer = 2 * c               // ln_1
                + c * 3 * c + 3 * c             // attn.c_attn
                + c * c + c                     // attn.c_proj
                + 2 * c                         // ln_2
                + c * 4 * c + 4 * c             // mlp.c_fc
                + 4 * c * c + c;                // mlp.c_proj
            return (long)VocabularySize * c + (long)Context * c + Layers * perLayer + 2 * c;
        }
    }
}
