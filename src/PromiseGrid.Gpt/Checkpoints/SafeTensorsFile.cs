namespace PromiseGrid.Gpt.Checkpoints;

/// <summary>
/// The content of a safetensors file as <see cref="SafeTensors.Read"/> found it: the
/// <c>__metadata__</c> strings (the model's hyper-parameters) and the tensors by name.
/// </summary>
public sealed class SafeTensorsFile(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, SafeTensor> tensors)
{
    /// <summary>The <c>__metadata__</c> entries; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensor> Tensors { get; } = tensors;

    /// <summary>
    /// The values of tensor <paramref name="name"/>, refusing with a clear message a file that
    /// lacks it or holds it with another shape than <paramref name="expectedShape"/> (a checkpoint
    /// of another model size).
    /// </summary>
    public float[] Get(string name, params int[] expectedShape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(expectedShape);
        if (!Tensors.TryGetValue(name, out var tensor))
            throw new CheckpointFormatException($"The checkpoint has no tensor \"{name}\" (it has {Tensors.Count}: {string.Join(", ", Tensors.Keys.Order(StringComparer.Ordinal).Take(8))}{(Tensors.Count > 8 ? ", ..." : "")}).");
        if (!tensor.Shape.AsSpan().SequenceEqual(expectedShape))
            throw new CheckpointFormatException($"Tensor \"{name}\" has shape [{string.Join(", ", tensor.Shape)}] in the checkpoint, but the model expects [{string.Join(", ", expectedShape)}].");
        return tensor.Data;
    }

    /// <summary>The metadata value <paramref name="key"/>, refusing a file that lacks it.</summary>
    public string GetMetadata(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Metadata.TryGetValue(key, out var value)
            ? value
            : throw new CheckpointFormatException($"The checkpoint metadata has no \"{key}\" entry.");
    }
}
