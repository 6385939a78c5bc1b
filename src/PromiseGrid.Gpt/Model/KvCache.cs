using System.Numerics.Tensors;
using PromiseGrid.Gpt.Kernels;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Incremental inference for one sequence: keeps every layer's keys and values so that each new
/// byte costs one row of work instead of re-running the whole window. Uses the same row
/// operations as <see cref="GptModel.Forward"/>, so its logits are bit-identical to the batched
/// pass over the same bytes.
/// </summary>
public sealed class KvCache
{
    private readonly GptModel _model;
    private readonly float[][] _keys, _values;                  // per layer [Context, C]
    private readonly float[] _x, _norm, _qkv, _attention, _projection, _fc, _fcGelu, _probs, _logits;

    public KvCache(GptModel model)
    {
        _model = model;
        var cfg = model.Config;
        int c = cfg.Dim;
        _keys = new float[cfg.Layers][];
        _values = new float[cfg.Layers][];
        for (int l = 0; l < cfg.Layers; l++)
        {
            _keys[l] = new float[cfg.Context * c];
            _values[l] = new float[cfg.Context * c];
        }
        _x = new float[c]; _norm = new float[c]; _qkv = new float[3 * c]; _attention = new float[c];
        _projection = new float[c]; _fc = new float[4 * c]; _fcGelu = new float[4 * c];
        _probs = new float[cfg.Context]; _logits = new float[GptConfig.VocabularySize];
    }

    /// <summary>How many positions are cached (the position the next byte will take).</summary>
    public int Length { get; private set; }

    /// <summary>Forgets every cached position.</summary>
    public void Clear() => Length = 0;

    /// <summary>Feeds the next byte and returns the logits for the byte after it (valid until the next call).</summary>
    public ReadOnlySpan<float> Append(byte token)
    {
        var cfg = _model.Config;
        if (Length >= cfg.Context) throw new InvalidOperationException($"The KV cache is full ({cfg.Context} positions).");
        int c = cfg.Dim, hs = cfg.HeadDim, pos = Length;
        var layout = _model.Layout;
        var p = _model.Parameters.AsSpan();
        var wte = GptModel.Slice(p, layout.TokenEmbedding);
        GptModel.Embed(wte, GptModel.Slice(p, layout.PositionEmbedding), token, pos, _x);
        for (int l = 0; l < cfg.Layers; l++)
        {
            var w = layout.Blocks[l];
            TransformerOps.LayerNormRow(_x, GptModel.Slice(p, w.Ln1Weight), GptModel.Slice(p, w.Ln1Bias), _norm);
            MatMul.Multiply(_norm, GptModel.Slice(p, w.AttnWeight), _qkv, 1, c, 3 * c);
            TransformerOps.AddBias(_qkv, GptModel.Slice(p, w.AttnBias), 1);
            _qkv.AsSpan(c, c).CopyTo(_keys[l].AsSpan(pos * c, c));
            _qkv.AsSpan(2 * c, c).CopyTo(_values[l].AsSpan(pos * c, c));
            for (int h = 0; h < cfg.Heads; h++)
                TransformerOps.AttendRow(_qkv.AsSpan(h * hs, hs), _keys[l].AsSpan(h * hs), _values[l].AsSpan(h * hs), c,
                    pos + 1, _probs, _attention.AsSpan(h * hs, hs));
            MatMul.Multiply(_attention, GptModel.Slice(p, w.AttnProjWeight), _projection, 1, c, c);
            TransformerOps.AddBias(_projection, GptModel.Slice(p, w.AttnProjBias), 1);
            TensorPrimitives.Add(_x, _projection, _x);
            TransformerOps.LayerNormRow(_x, GptModel.Slice(p, w.Ln2Weight), GptModel.Slice(p, w.Ln2Bias), _norm);
            MatMul.Multiply(_norm, GptModel.Slice(p, w.FcWeight), _fc, 1, c, 4 * c);
            TransformerOps.AddBias(_fc, GptModel.Slice(p, w.FcBias), 1);
            TransformerOps.GeluRow(_fc, _fcGelu);
            MatMul.Multiply(_fcGelu, GptModel.Slice(p, w.FcProjWeight), _projection, 1, 4 * c, c);
            TransformerOps.AddBias(_projection, GptModel.Slice(p, w.FcProjBias), 1);
            TensorPrimitives.Add(_x, _projection, _x);
        }
        TransformerOps.LayerNormRow(_x, GptModel.Slice(p, layout.FinalNormWeight), GptModel.Slice(p, layout.FinalNormBias), _norm);
        MatMul.MultiplyTransposedB(_norm, wte, _logits, 1, c, GptConfig.VocabularySize);
        Length++;
        return _logits;
    }
}
