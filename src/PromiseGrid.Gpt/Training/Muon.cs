using PromiseGrid.Gpt.Compute;
using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Training;

/// <summary>
/// Muon (momentum, orthogonalized by Newton–Schulz) for the blocks' weight matrices: the update
/// is the Nesterov momentum of the gradient with its singular values pushed towards 1 by five
/// steps of a quintic Newton–Schulz iteration, scaled by 0.2·√max(rows, cols) so that its RMS
/// matches AdamW's and the same learning rate serves both; decoupled weight decay as AdamW's.
/// The embeddings, biases and norms stay with <see cref="AdamW"/>, which leaves the first-moment
/// slots of these matrices unused: Muon keeps its momentum there, so checkpoints save and restore
/// it as <c>optimizer.m.&lt;name&gt;</c> with nothing added to their format.
/// </summary>
/// <remarks>
/// From Keller Jordan's Muon (2024) with the update scale of Moonshot AI's "Muon is scalable for LLM
/// training" (2025). Chosen on the validation part of corpus/kjv.txt: README.md, "Train the GPT module".
/// The products go through <see cref="MatMul"/>, so the update is the same bits at any thread count.
/// </remarks>
public sealed class Muon
{
    private const float A = 3.4445f, B = -4.7750f, C = 2.0315f;
    private const int Iterations = 5;

    private readonly GptModel _model;
    private readonly float[] _momentum;
    private readonly float[] _x, _t, _gram, _gram2, _poly;

    /// <param name="model">The model whose matrices it updates.</param>
    /// <param name="momentumBuffer">Where the momentum lives, laid out like the parameters (<see cref="AdamW.FirstMoment"/>).</param>
    public Muon(GptModel model, float[] momentumBuffer, float momentum = 0.95f, float weightDecay = 0.1f)
    {
        _model = model;
        Momentum = momentum;
        WeightDecay = weightDecay;
        if (momentumBuffer.Length != model.Parameters.Length)
            throw new ArgumentException($"The momentum buffer has {momentumBuffer.Length} floats; the model has {model.Parameters.Length} parameters.", nameof(momentumBuffer));
        _momentum = momentumBuffer;
        int largest = model.Layout.Tensors.Where(Handles).Max(t => t.Length);
        int side = model.Layout.Tensors.Where(Handles).Max(t => Math.Min(t.Shape[0], t.Shape[1]));
        _x = new float[largest];
        _t = new float[largest];
        _gram = new float[side * side];
        _gram2 = new float[side * side];
        _poly = new float[side * side];
    }

    public float Momentum { get; }
    public float WeightDecay { get; }

    /// <summary>The blocks' matrices; not the token or position embeddings.</summary>
    public static bool Handles(ParameterTensor tensor) => tensor.IsMatrix && tensor.Name.StartsWith("h.", StringComparison.Ordinal);

    /// <summary>Updates every matrix it handles from the model's current gradients.</summary>
    public void Step(float learningRate)
    {
        var p = _model.Parameters;
        var g = _model.Gradients;
        foreach (var tensor in _model.Layout.Tensors)
        {
            if (!Handles(tensor)) continue;
            int rows = tensor.Shape[0], cols = tensor.Shape[1], n = tensor.Length;
            var buf = _momentum.AsSpan(tensor.Offset, n);
            var grad = g.AsSpan(tensor.Offset, n);
            var x = _x.AsSpan(0, n);
            for (int i = 0; i < n; i++)
            {
                buf[i] = Momentum * buf[i] + grad[i];
                x[i] = grad[i] + Momentum * buf[i];
            }
            // Orthogonalize the wide way round: m ≤ k.
            bool transpose = rows > cols;
            int m = transpose ? cols : rows, k = transpose ? rows : cols;
            if (transpose) Transpose(x, _t.AsSpan(0, n), rows, cols);
            Orthogonalize(x, m, k);
            if (transpose) Transpose(x, _t.AsSpan(0, n), m, k);
            float scale = 0.2f * MathF.Sqrt(Math.Max(rows, cols));
            var w = p.AsSpan(tensor.Offset, n);
            for (int i = 0; i < n; i++)
                w[i] -= learningRate * (scale * x[i] + WeightDecay * w[i]);
        }
    }

    /// <summary>X[rows,cols] ← Xᵀ[cols,rows], in place through <paramref name="scratch"/>.</summary>
    private static void Transpose(Span<float> x, Span<float> scratch, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                scratch[c * rows + r] = x[r * cols + c];
        scratch.CopyTo(x);
    }

    /// <summary>
    /// X[m,k] (m ≤ k) ← its quintic Newton–Schulz orthogonalization, in place: scaled to unit
    /// Frobenius norm, then five times X ← a·X + (b·G + c·G²)·X with G = X·Xᵀ, which takes every
    /// singular value into about [0.7, 1.2] while keeping the singular vectors.
    /// </summary>
    internal void Orthogonalize(Span<float> x, int m, int k)
    {
        double norm = 0;
        foreach (var v in x) norm += (double)v * v;
        float inv = (float)(1 / (Math.Sqrt(norm) + 1e-7));
        for (int i = 0; i < x.Length; i++) x[i] *= inv;
        var gram = _gram.AsSpan(0, m * m);
        var gram2 = _gram2.AsSpan(0, m * m);
        var poly = _poly.AsSpan(0, m * m);
        var next = _t.AsSpan(0, m * k);
        for (int step = 0; step < Iterations; step++)
        {
            MatMul.MultiplyTransposedB(x, x, gram, m, k, m);          // X·Xᵀ
            MatMul.Multiply(gram, gram, gram2, m, m, m);              // (X·Xᵀ)²
            for (int i = 0; i < poly.Length; i++) poly[i] = B * gram[i] + C * gram2[i];
            MatMul.Multiply(poly, x, next, m, m, k);                  // (b·G + c·G²)·X
            for (int i = 0; i < next.Length; i++) x[i] = A * x[i] + next[i];
        }
    }
}
