namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Where every parameter tensor sits in the flat parameter array, in a fixed order
/// (wte, wpe, then each block, then ln_f) so that checkpoints, optimizer state and gradients
/// all share one layout.
/// </summary>
public sealed class GptParameterLayout
{
    /// <summary>Offsets of one transformer block's tensors.</summary>
    internal readonly record struct Block(
        ParameterTensor Ln1Weight, ParameterTensor Ln1Bias,
        ParameterTensor AttnWeight, ParameterTensor AttnBias,
        ParameterTensor AttnProjWeight, ParameterTensor AttnProjBias,
        ParameterTensor Ln2Weight, ParameterTensor Ln2Bias,
        ParameterTensor FcWeight, ParameterTensor FcBias,
        ParameterTensor FcProjWeight, ParameterTensor FcProjBias);

    private readonly List<ParameterTensor> _tensors = new();

    public GptParameterLayout(GptConfig config)
    {
        config.Validate();
        int c = config.Dim;
        TokenEmbedding = Add("wte", GptConfig.VocabularySize, c);
        PositionEmbedding = Add("wpe", config.Context, c);
        var blocks = new Block[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            string p = $"h.{l}.";
            blocks[l] = new Block(
                Add(p + "ln_1.weight", c), Add(p + "ln_1.bias", c),
                Add(p + "attn.c_attn.weight", c, 3 * c), Add(p + "attn.c_attn.bias", 3 * c),
                Add(p + "attn.c_proj.weight", c, c), Add(p + "attn.c_proj.bias", c),
                Add(p + "ln_2.weight", c), Add(p + "ln_2.bias", c),
                Add(p + "mlp.c_fc.weight", c, 4 * c), Add(p + "mlp.c_fc.bias", 4 * c),
                Add(p + "mlp.c_proj.weight", 4 * c, c), Add(p + "mlp.c_proj.bias", c));
        }
        Blocks = blocks;
        FinalNormWeight = Add("ln_f.weight", c);
        FinalNormBias = Add("ln_f.bias", c);
        Count = _tensors.Sum(t => t.Length);
    }

    /// <summary>All tensors in storage order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>Total number of floats.</summary>
    public int Count { get; }

    internal ParameterTensor TokenEmbedding { get; }
    internal ParameterTensor PositionEmbedding { get; }
    internal IReadOnlyList<Block> Blocks { get; }
    internal ParameterTensor FinalNormWeight { get; }
    internal ParameterTensor FinalNormBias { get; }

    private ParameterTensor Add(string name, params int[] shape)
    {
        int offset = _tensors.Count == 0 ? 0 : _tensors[^1].Offset + _tensors[^1].Length;
        int length = shape.Aggregate(1, (a, b) => checked(a * b));
        var tensor = new ParameterTensor(name, shape, offset, length);
        _tensors.Add(tensor);
        return tensor;
    }
}
