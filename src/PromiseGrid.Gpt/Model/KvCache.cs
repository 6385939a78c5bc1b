using System.Numerics.Tensors;
using PromiseGrid.Gpt.Compute;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Incremental inference for one sequence: keeps every layer's keys and values so that each new
/// byte costs one row of work instead of re-running the whole window. Uses the same row
/// operations as <see cref="GptModel.Forward"/>, so its logits are bit-identical to the batched
/// pass over the same bytes. Reads the model's parameters and writes only its own buffers, so
/// several caches may run over one model at once (never while the model trains).
/// </summary>
public sealed class KvCache
{
    private readonly GptModel _model;
    private readonly float[][] _values;                         // per layer [Context, C]
    private readonly float[][][] _keysT;                        // per layer, per head [HeadDim, Context]: keys transposed for AttendRow
    private readonly float[] _probs, _logits;
    private readonly float[][] _headProbs;                      // per head, for the parallel attention of a block of bytes
    // [rows, width] work rows: one row for Append(byte), up to Context rows for Append(span).
    private float[] _x = [], _norm = [], _qkv = [], _attention = [], _projection = [], _fc = [], _fcGelu = [];
    private int _rowCapacity;

    public KvCache(GptModel model)
    {
        _model = model;
        var cfg = model.Config;
        int c = cfg.Dim;
        _keysT = new float[cfg.Layers][][];
        _values = new float[cfg.Layers][];
        for (int l = 0; l < cfg.Layers; l++)
        {
            _keysT[l] = new float[cfg.Heads][];
            for (int h = 0; h < cfg.Heads; h++) _keysT[l][h] = new float[cfg.HeadDim * cfg.Context];
            _values[l] = new float[cfg.Context * c];
        }
        _probs = new float[cfg.Context];
        _headProbs = new float[cfg.Heads][];
        for (int h = 0; h < cfg.Heads; h++) _headProbs[h] = new float[cfg.Context];
        _logits = new float[GptConfig.VocabularySize];
        EnsureRows(1);
    }

    /// <summary>The model whose keys and values are cached.</summary>
    internal GptModel Model => _model;

    /// <summary>How many positions are cached (the position the next byte will take).</summary>
    public int Length { get; internal set; }

    /// <summary>Forgets every cached position.</summary>
    public void Clear() => Length = 0;

    /// <summary>Feeds the next byte and returns the logits for the byte after it (valid until the next call).</summary>
    public ReadOnlySpan<float> Append(byte token) => Append([token]);

    /// <summary>
    /// Feeds several bytes at once and returns the logits for the byte after the last of them
    /// (valid until the next call). The same as appending them one by one, bit for bit, but the
    /// products run as matrix-matrix products (weights read once for all the bytes, both cores):
    /// how a prompt, or the window kept when the context is full, is loaded.
    /// </summary>
    public ReadOnlySpan<float> Append(scoped ReadOnlySpan<byte> tokens) => Append(tokens, serial: false);

    /// <summary>
    /// <see cref="Append(ReadOnlySpan{byte})"/> on the calling thread only, with the same bits: how
    /// <see cref="BatchedGenerator"/> loads a window beside a decoding step that keeps the other cores busy.
    /// </summary>
    internal ReadOnlySpan<float> AppendSerial(scoped ReadOnlySpan<byte> tokens) => Append(tokens, serial: true);

    private ReadOnlySpan<float> Append(scoped ReadOnlySpan<byte> tokens, bool serial)
    {
        var cfg = _model.Config;
        int rows = tokens.Length;
        if (rows == 0) throw new ArgumentException("Append needs at least one byte.", nameof(tokens));
        if (Length + rows > cfg.Context)
            throw new InvalidOperationException($"The KV cache is full ({cfg.Context} positions; {Length} cached, {rows} more given).");
        EnsureRows(rows);
        int c = cfg.Dim, pos = Length;
        var layout = _model.Layout;
        var p = _model.Parameters.AsSpan();
        var wte = GptModel.Slice(p, layout.TokenEmbedding);
        var wpe = GptModel.Slice(p, layout.PositionEmbedding);
        for (int r = 0; r < rows; r++)
            GptModel.Embed(wte, wpe, tokens[r], pos + r, _x.AsSpan(r * c, c));
        var x = _x.AsSpan(0, rows * c);
        for (int l = 0; l < cfg.Layers; l++)
        {
            var w = layout.Blocks[l];
            LayerNormRows(_x, GptModel.Slice(p, w.Ln1Weight), GptModel.Slice(p, w.Ln1Bias), rows);
            Multiply(_norm, GptModel.Slice(p, w.AttnWeight), _qkv, rows, c, 3 * c, serial);
            TransformerOps.AddBias(_qkv, GptModel.Slice(p, w.AttnBias), rows);
            for (int r = 0; r < rows; r++)
                Store(l, pos + r, _qkv.AsSpan(r * 3 * c, 3 * c));
            Attend(l, pos, rows, serial);
            Multiply(_attention, GptModel.Slice(p, w.AttnProjWeight), _projection, rows, c, c, serial);
            TransformerOps.AddBias(_projection, GptModel.Slice(p, w.AttnProjBias), rows);
            TensorPrimitives.Add(x, _projection.AsSpan(0, rows * c), x);
            LayerNormRows(_x, GptModel.Slice(p, w.Ln2Weight), GptModel.Slice(p, w.Ln2Bias), rows);
            Multiply(_norm, GptModel.Slice(p, w.FcWeight), _fc, rows, c, 4 * c, serial);
            TransformerOps.AddBias(_fc, GptModel.Slice(p, w.FcBias), rows);
            if (serial)
                for (int r = 0; r < rows; r++) TransformerOps.GeluRow(_fc.AsSpan(r * 4 * c, 4 * c), _fcGelu.AsSpan(r * 4 * c, 4 * c));
            else if (rows == 1) TransformerOps.GeluRow(_fc.AsSpan(0, 4 * c), _fcGelu.AsSpan(0, 4 * c));
            else TransformerOps.Gelu(_fc, _fcGelu, rows, 4 * c);
            Multiply(_fcGelu, GptModel.Slice(p, w.FcProjWeight), _projection, rows, 4 * c, c, serial);
            TransformerOps.AddBias(_projection, GptModel.Slice(p, w.FcProjBias), rows);
            TensorPrimitives.Add(x, _projection.AsSpan(0, rows * c), x);
        }
        // Only the last byte's logits are wanted: one row through the final LayerNorm and the tied output.
        var last = _x.AsSpan((rows - 1) * c, c);
        TransformerOps.LayerNormRow(last, GptModel.Slice(p, layout.FinalNormWeight), GptModel.Slice(p, layout.FinalNormBias), _norm.AsSpan(0, c));
        MatMul.MultiplyTransposedB(_norm.AsSpan(0, c), wte, _logits, 1, c, GptConfig.VocabularySize);
        Length += rows;
        return _logits;
    }

    private static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool serial)
    {
        if (serial) MatMul.MultiplySerial(a, b, c, m, k, n);
        else MatMul.Multiply(a, b, c, m, k, n);
    }

    /// <summary>Keeps the key and value of one row's q|k|v (3·C wide) at <paramref name="position"/> of <paramref name="layer"/>.</summary>
    internal void Store(int layer, int position, ReadOnlySpan<float> qkv)
    {
        var cfg = _model.Config;
        int c = cfg.Dim, hs = cfg.HeadDim;
        var key = qkv.Slice(c, c);
        for (int h = 0; h < cfg.Heads; h++)
        {
            var keysT = _keysT[layer][h];
            for (int d = 0; d < hs; d++) keysT[d * cfg.Context + position] = key[h * hs + d];
        }
        qkv.Slice(2 * c, c).CopyTo(_values[layer].AsSpan(position * c, c));
    }

    /// <summary>
    /// One head of one row at <paramref name="position"/> attending to every cached position up to
    /// its own (<paramref name="qkv"/> is the row's q|k|v, 3·C wide; <paramref name="probs"/> a scratch
    /// of Context floats): the call <see cref="Attend"/> makes, for <see cref="BatchedDecoder"/>.
    /// </summary>
    internal void AttendHead(int layer, int head, int position, ReadOnlySpan<float> qkv, Span<float> probs, Span<float> output)
    {
        var cfg = _model.Config;
        int hs = cfg.HeadDim;
        TransformerOps.AttendRow(qkv.Slice(head * hs, hs), _keysT[layer][head], cfg.Context, _values[layer].AsSpan(head * hs), cfg.Dim,
            position + 1, probs, output);
    }

    private void LayerNormRows(float[] input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int rows)
    {
        int c = weight.Length;
        for (int r = 0; r < rows; r++)
            TransformerOps.LayerNormRow(input.AsSpan(r * c, c), weight, bias, _norm.AsSpan(r * c, c));
    }

    /// <summary>Each new row attends to every cached position up to its own; heads in parallel for a block of rows unless <paramref name="serial"/>.</summary>
    private void Attend(int layer, int pos, int rows, bool serial)
    {
        var cfg = _model.Config;
        int c = cfg.Dim, hs = cfg.HeadDim, heads = cfg.Heads;
        if (rows == 1)
        {
            for (int h = 0; h < heads; h++)
                TransformerOps.AttendRow(_qkv.AsSpan(h * hs, hs), _keysT[layer][h], cfg.Context, _values[layer].AsSpan(h * hs), c,
                    pos + 1, _probs, _attention.AsSpan(h * hs, hs));
            return;
        }
        if (serial)
            for (int h = 0; h < heads; h++) AttendHead(h);
        else
            Parallel.For(0, heads, AttendHead);

        void AttendHead(int h)
        {
            var probs = _headProbs[h];
            for (int r = 0; r < rows; r++)
                TransformerOps.AttendRow(_qkv.AsSpan(r * 3 * c + h * hs, hs), _keysT[layer][h], cfg.Context, _values[layer].AsSpan(h * hs), c,
                    pos + r + 1, probs, _attention.AsSpan(r * c + h * hs, hs));
        }
    }

    private void EnsureRows(int rows)
    {
        if (rows <= _rowCapacity) return;
        int c = _model.Config.Dim;
        _rowCapacity = Math.Max(rows, _rowCapacity);
        _x = new float[_rowCapacity * c];
        _norm = new float[_rowCapacity * c];
        _qkv = new float[_rowCapacity * 3 * c];
        _attention = new float[_rowCapacity * c];
        _projection = new float[_rowCapacity * c];
        _fc = new float[_rowCapacity * 4 * c];
        _fcGelu = new float[_rowCapacity * 4 * c];
    }
}
