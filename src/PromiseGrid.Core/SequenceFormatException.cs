namespace PromiseGrid.Core;

/// <summary>Bad sequence notation; <see cref="Position"/> is the zero-based character index of the fault.</summary>
public sealed class SequenceFormatException(int position, string reason)
    : FormatException($"bad sequence notation at position {position}: {reason}")
{
    public int Position { get; } = position;
    public string Reason { get; } = reason;
}
