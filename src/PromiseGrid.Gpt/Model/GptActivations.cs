namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Everything the forward pass keeps for the backward pass, for one batch shape (B × T),
/// plus the scratch buffers of the backward pass. Allocated once per shape and reused.
/// </summary>
internal sealed class GptActivations
{
    /// <summary>What one transformer block keeps.</summary>
    internal sealed class Block
    {
        public Block(int bt, int c, int attention)
        {
            Ln1 = new float[bt * c]; Ln1Mean = new float[bt]; Ln1Rstd = new float[bt];
            Qkv = new float[bt * 3 * c];          // [B,T,3C]: q | k | v
            Attention = new float[attention];     // [B,H,T,T] softmax weights (upper triangle unused)
            AttentionOut = new float[bt * c];     // [B,T,C] heads concatenated
            Residual2 = new float[bt * c];
            Ln2 = new float[bt * c]; Ln2Mean = new float[bt]; Ln2Rstd = new float[bt];
            Fc = new float[bt * 4 * c];           // [B,T,4C] before GELU
            FcGelu = new float[bt * 4 * c];
            Residual3 = new float[bt * c];
        }

        public float[] Ln1, Ln1Mean, Ln1Rstd, Qkv, Attention, AttentionOut, Residual2;
        public float[] Ln2, Ln2Mean, Ln2Rstd, Fc, FcGelu, Residual3;
    }

    public GptActivations(GptConfig config, int batch, int time)
    {
        Batch = batch;
        Time = time;
        int bt = batch * time, c = config.Dim;
        int attention = checked(batch * config.Heads * time * time);
        Encoded = new float[bt * c];
        Blocks = new Block[config.Layers];
        for (int l = 0; l < config.Layers; l++) Blocks[l] = new Block(bt, c, attention);
        LnF = new float[bt * c]; LnFMean = new float[bt]; LnFRstd = new float[bt];
        Probabilities = new float[bt * GptConfig.VocabularySize];
        RowLogProbabilities = new double[bt];
        Inputs = new byte[bt];
        Targets = new byte[bt];
        Scratch = new float[bt * c];
        DResidual = new float[bt * c];
        DNorm = new float[bt * c];
        DQkv = new float[bt * 3 * c];
        DAttentionOut = new float[bt * c];
        DFc = new float[bt * 4 * c];
        DFcGelu = new float[bt * 4 * c];
    }

    public int Batch { get; }
    public int Time { get; }
    public float[] Encoded;
    public Block[] Blocks;
    public float[] LnF, LnFMean, LnFRstd;
    /// <summary>[B,T,V] logits, turned into probabilities when targets are given, then into dlogits by Backward.</summary>
    public float[] Probabilities;
    /// <summary>[B,T] log-probability of each target, summed in row order into the loss.</summary>
    public double[] RowLogProbabilities;
    public byte[] Inputs, Targets;
    public bool HasTargets;
    /// <summary>Holds the block's projection outputs before they are added to the residual stream.</summary>
    public float[] Scratch;
    public float[] DResidual, DNorm, DQkv, DAttentionOut, DFc, DFcGelu;
}
