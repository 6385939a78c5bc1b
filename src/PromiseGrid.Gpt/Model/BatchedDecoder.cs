using System.Numerics.Tensors;
using PromiseGrid.Gpt.Compute;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// One decoding step for several sequences at once: each sequence has its own
/// <see cref="KvCache"/> (its own cached keys and values, its own position) and feeds one byte;
/// the products with the weights run over all the sequences' rows together (the weights are read
/// once per step instead of once per sequence), and attention runs per sequence against its own
/// cache. Row i of a product depends only on row i of its input (<see cref="MatMul"/>), and every
/// other operation is per row, so each sequence's logits are bit for bit those of
/// <see cref="KvCache.Append(byte)"/> on its cache alone. Not thread-safe: one step at a time.
/// </summary>
public sealed class BatchedDecoder
{
    /// <summary>
    /// Fewest rows a lane takes: below this a step runs as one lane. Above it the rows are cut into
    /// at most one lane per core, each running every layer over its rows on its own thread: one fork
    /// and join per step instead of one per product (which, on a busy machine, cost more than the
    /// products), and each lane still reads each weight once for all its rows. (Lanes of four rows,
    /// more lanes than cores, measured slower on this machine.)
    /// </summary>
    private const int MinimumLaneRows = 4;

    private readonly GptModel _model;
    private readonly List<Lane> _lanes = new();
    private float[] _logits = [];
    private float[] _embeddingT = [];

    public BatchedDecoder(GptModel model)
    {
        _model = model;
    }

    public GptModel Model => _model;

    /// <summary>
    /// Feeds <paramref name="tokens"/>[i] to <paramref name="caches"/>[i] (each at its own
    /// position, which then advances by one) and returns the logits for the byte after it:
    /// row i of a [caches, 256] matrix, valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Step(IReadOnlyList<KvCache> caches, ReadOnlySpan<byte> tokens)
    {
        if (caches.Count == 0) throw new ArgumentException("A step needs at least one sequence.", nameof(caches));
        return Step(caches, tokens, []);
    }

    /// <summary>
    /// <see cref="Step(IReadOnlyList{KvCache}, ReadOnlySpan{byte})"/> (over no sequence, if none) with
    /// <paramref name="alongside"/> run in the same fork and join as the step's lanes: work items that
    /// touch none of the step's caches, such as <see cref="BatchedGenerator"/> loading other streams'
    /// windows, so that a long load fills the cores beside the step instead of stopping the batch.
    /// An item is told whether it runs alone (no lane, no other item: it may use every core itself).
    /// </summary>
    internal ReadOnlySpan<float> Step(IReadOnlyList<KvCache> caches, ReadOnlySpan<byte> tokens, IReadOnlyList<Action<bool>> alongside)
    {
        var cfg = _model.Config;
        int rows = caches.Count, v = GptConfig.VocabularySize;
        if (tokens.Length != rows) throw new ArgumentException($"Expected {rows} bytes, one per cache, got {tokens.Length}.", nameof(tokens));
        for (int r = 0; r < rows; r++)
        {
            if (caches[r].Model != _model) throw new ArgumentException($"Cache {r} belongs to another model.", nameof(caches));
            if (caches[r].Length >= cfg.Context)
                throw new InvalidOperationException($"KV cache {r} is full ({cfg.Context} positions).");
        }
        if (_logits.Length < rows * v) _logits = new float[Math.Max(rows, 2 * _logits.Length / v) * v];
        int lanes = rows == 0 ? 0 : Math.Clamp(rows / MinimumLaneRows, 1, Math.Max(1, Environment.ProcessorCount));
        while (_lanes.Count < lanes) _lanes.Add(new Lane(_model));
        // Lanes of a few rows multiply by the embedding as it is stored (no packing below five rows);
        // only wider lanes pay for the transposed copy.
        bool transposed = lanes > 0 && rows / lanes > MaxRowsWithoutTransposedEmbedding;
        if (transposed) TransposeEmbedding();
        var embeddingT = transposed ? _embeddingT : null;
        int others = alongside.Count, items = others + lanes;
        if (items == 1 && lanes == 1)
            _lanes[0].Run(caches, tokens, 0, rows, embeddingT, _logits);
        else if (items == 1)
            alongside[0](true);
        else if (items > 1)
        {
            var input = tokens.ToArray();
            var logits = _logits;
            // The other work first: a window load is the longest item, so it should not start last.
            Parallel.For(0, items, item =>
            {
                if (item < others)
                {
                    alongside[item](false);
                    return;
                }
                int lane = item - others, first = rows * lane / lanes, last = rows * (lane + 1) / lanes;
                _lanes[lane].Run(caches, input, first, last - first, embeddingT, logits);
            });
        }
        for (int r = 0; r < rows; r++) caches[r].Length++;
        return _logits.AsSpan(0, rows * v);
    }

    /// <summary>
    /// The tied output weight (the byte embedding, [256, C]) as [C, 256], copied once per step when the
    /// lanes have more than <see cref="MaxRowsWithoutTransposedEmbedding"/> rows: their logits then take
    /// <see cref="MatMul"/>'s unpacked few-row product (the same bits in either layout) instead of
    /// packing the transposed weight once per lane. Lanes of fewer rows read the weight as stored, row by
    /// row, which costs less than the copy. Copied every step, not kept, because the model's parameters
    /// may change between steps (training, loading).
    /// </summary>
    private const int MaxRowsWithoutTransposedEmbedding = 4;

    private void TransposeEmbedding()
    {
        int c = _model.Config.Dim, v = GptConfig.VocabularySize;
        if (_embeddingT.Length != c * v) _embeddingT = new float[c * v];
        var wte = GptModel.Slice(_model.Parameters.AsSpan(), _model.Layout.TokenEmbedding);
        for (int t = 0; t < v; t++)
        {
            var row = wte.Slice(t * c, c);
            for (int d = 0; d < c; d++) _embeddingT[d * v + t] = row[d];
        }
    }

    /// <summary>One thread's share of a step: rows first..first+rows of the batch, with its own work buffers.</summary>
    private sealed class Lane
    {
        private readonly GptModel _model;
        private float[] _x = [], _norm = [], _qkv = [], _attention = [], _projection = [], _fc = [], _fcGelu = [];
        private readonly float[] _probs;
        private int _rowCapacity;

        public Lane(GptModel model)
        {
            _model = model;
            _probs = new float[model.Config.Context];
        }

        /// <summary>Runs rows first..first+rows (their caches' positions are not advanced here) and writes their logits.</summary>
        public void Run(IReadOnlyList<KvCache> all, ReadOnlySpan<byte> allTokens, int first, int rows, float[]? embeddingT, float[] logitsOut)
        {
            var cfg = _model.Config;
            var caches = new CacheRange(all, first, rows);
            var tokens = allTokens.Slice(first, rows);
            EnsureRows(rows);
            int c = cfg.Dim, v = GptConfig.VocabularySize;
            var layout = _model.Layout;
            var p = _model.Parameters.AsSpan();
            var wte = GptModel.Slice(p, layout.TokenEmbedding);
            var wpe = GptModel.Slice(p, layout.PositionEmbedding);
            for (int r = 0; r < rows; r++)
                GptModel.Embed(wte, wpe, tokens[r], caches[r].Length, _x.AsSpan(r * c, c));
            var x = _x.AsSpan(0, rows * c);
            for (int l = 0; l < cfg.Layers; l++)
            {
                var w = layout.Blocks[l];
                LayerNormRows(GptModel.Slice(p, w.Ln1Weight), GptModel.Slice(p, w.Ln1Bias), rows);
                MatMul.Multiply(_norm, GptModel.Slice(p, w.AttnWeight), _qkv, rows, c, 3 * c);
                TransformerOps.AddBias(_qkv, GptModel.Slice(p, w.AttnBias), rows);
                for (int r = 0; r < rows; r++)
                    caches[r].Store(l, caches[r].Length, _qkv.AsSpan(r * 3 * c, 3 * c));
                Attend(caches, l, rows);
                MatMul.Multiply(_attention, GptModel.Slice(p, w.AttnProjWeight), _projection, rows, c, c);
                TransformerOps.AddBias(_projection, GptModel.Slice(p, w.AttnProjBias), rows);
                TensorPrimitives.Add(x, _projection.AsSpan(0, rows * c), x);
                LayerNormRows(GptModel.Slice(p, w.Ln2Weight), GptModel.Slice(p, w.Ln2Bias), rows);
                MatMul.Multiply(_norm, GptModel.Slice(p, w.FcWeight), _fc, rows, c, 4 * c);
                TransformerOps.AddBias(_fc, GptModel.Slice(p, w.FcBias), rows);
                TransformerOps.Gelu(_fc, _fcGelu, rows, 4 * c);
                MatMul.Multiply(_fcGelu, GptModel.Slice(p, w.FcProjWeight), _projection, rows, 4 * c, c);
                TransformerOps.AddBias(_projection, GptModel.Slice(p, w.FcProjBias), rows);
                TensorPrimitives.Add(x, _projection.AsSpan(0, rows * c), x);
            }
            LayerNormRows(GptModel.Slice(p, layout.FinalNormWeight), GptModel.Slice(p, layout.FinalNormBias), rows);
            var logits = logitsOut.AsSpan(first * v, rows * v);
            if (embeddingT is null) MatMul.MultiplyTransposedB(_norm.AsSpan(0, rows * c), wte, logits, rows, c, v);
            else MatMul.Multiply(_norm.AsSpan(0, rows * c), embeddingT, logits, rows, c, v);
        }

        private void LayerNormRows(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int rows)
        {
            int c = weight.Length;
            for (int r = 0; r < rows; r++)
                TransformerOps.LayerNormRow(_x.AsSpan(r * c, c), weight, bias, _norm.AsSpan(r * c, c));
        }

        /// <summary>
        /// Each (sequence, head) pair against that sequence's own cache. Pairs go to both cores only when
        /// there is enough work (the positions attended to, summed) to pay for the fork and join, which on a
        /// busy machine can cost more than a step's whole attention; who computes a pair never changes its bits.
        /// </summary>
        private void Attend(CacheRange caches, int layer, int rows)
        {
            var cfg = _model.Config;
            int c = cfg.Dim, hs = cfg.HeadDim, heads = cfg.Heads;
            var qkv = _qkv;
            var attention = _attention;
            long work = 0;
            for (int r = 0; r < rows; r++) work += (long)(caches[r].Length + 1) * c;
            if (work < ParallelAttentionWork)
            {
                for (int rh = 0; rh < rows * heads; rh++) AttendPair(rh, _probs);
                return;
            }
            Parallel.For(0, rows * heads, () => new float[cfg.Context], (rh, _, probs) =>
            {
                AttendPair(rh, probs);
                return probs;
            }, _ => { });

            void AttendPair(int rh, float[] probs)
            {
                int r = rh / heads, h = rh % heads;
                var cache = caches[r];
                cache.AttendHead(layer, h, cache.Length, qkv.AsSpan(r * 3 * c, 3 * c), probs, attention.AsSpan(r * c + h * hs, hs));
            }
        }

        /// <summary>Multiply-adds of one layer's attention (positions × width, twice) below which it runs on the calling thread.</summary>
        private const long ParallelAttentionWork = 1L << 18;

        private void EnsureRows(int rows)
        {
            if (rows <= _rowCapacity) return;
            int c = _model.Config.Dim;
            _rowCapacity = Math.Max(rows, 2 * _rowCapacity);
            _x = new float[_rowCapacity * c];
            _norm = new float[_rowCapacity * c];
            _qkv = new float[_rowCapacity * 3 * c];
            _attention = new float[_rowCapacity * c];
            _projection = new float[_rowCapacity * c];
            _fc = new float[_rowCapacity * 4 * c];
            _fcGelu = new float[_rowCapacity * 4 * c];
        }
    }

    /// <summary>A lane's rows of the batch's caches, indexed from 0.</summary>
    private readonly struct CacheRange(IReadOnlyList<KvCache> all, int first, int count)
    {
        public KvCache this[int i] => all[first + i];
        public int Count => count;
    }
}
