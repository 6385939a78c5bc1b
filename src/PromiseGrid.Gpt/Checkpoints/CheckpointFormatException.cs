namespace PromiseGrid.Gpt.Checkpoints;

/// <summary>
/// A checkpoint file that cannot be read as what it claims to be: truncated, a malformed
/// safetensors header, tensors that do not tile the data section, or a tensor whose shape is not
/// the one the model expects. The message says which, with the numbers involved.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string message) : base(message) { }

    public CheckpointFormatException(string message, Exception innerException) : base(message, innerException) { }
}
