namespace PromiseGrid.Gpt.Checkpoints;

/// <summary>One tensor of a safetensors file: its shape and its values, row-major, as floats.</summary>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar.</param>
/// <param name="Data">The product of <paramref name="Shape"/> values.</param>
public sealed record SafeTensor(int[] Shape, float[] Data);
