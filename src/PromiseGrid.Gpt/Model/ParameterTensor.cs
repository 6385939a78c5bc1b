namespace PromiseGrid.Gpt.Model;

/// <summary>
/// One named parameter tensor inside the model's flat parameter array: GPT-2 name, shape
/// (row-major), and where it lives. Weight matrices are stored [in, out] as GPT-2's Conv1D does,
/// so exported checkpoints line up with GPT-2 tooling.
/// </summary>
public sealed record ParameterTensor(string Name, int[] Shape, int Offset, int Length)
{
    /// <summary>Two-dimensional tensors (matrices and embeddings) get weight decay; vectors do not.</summary>
    public bool IsMatrix => Shape.Length == 2;
}
