using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Serialization;

/// <summary>
/// The primitives of the kernel's wire format (see <see cref="KernelMessageSerializer"/>):
/// how many bytes each takes, so a message can be sized exactly before it is written.
/// </summary>
internal static class Wire
{
    /// <summary>UTF-8 that refuses malformed input instead of silently turning it into U+FFFD.</summary>
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public const int Int64Size = sizeof(long);

    /// <summary>Bytes of <paramref name="value"/> as an unsigned LEB128 varint (1 to 5).</summary>
    public static int VarUInt32Size(uint value) =>
        value < 1u << 7 ? 1 : value < 1u << 14 ? 2 : value < 1u << 21 ? 3 : value < 1u << 28 ? 4 : 5;

    public static int SequenceSize(Sequence sequence) => VarUInt32Size((uint)sequence.Length) + sequence.Length;

    public static int StringSize(string text)
    {
        var count = Utf8.GetByteCount(text);
        return VarUInt32Size((uint)count) + count;
    }

    /// <summary>A nullable string: its length plus one, or 0 for null, then the bytes.</summary>
    public static int NullableStringSize(string? text)
    {
        if (text is null) return 1;
        var count = Utf8.GetByteCount(text);
        return VarUInt32Size((uint)count + 1) + count;
    }
}

/// <summary>Writes the wire primitives into a span that was sized exactly beforehand.</summary>
internal ref struct WireWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _position;

    public readonly int Position => _position;

    public void Byte(byte value) => _buffer[_position++] = value;

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer[_position..], value);
        _position += Wire.Int64Size;
    }

    public void VarUInt32(uint value)
    {
        while (value >= 0x80)
        {
            _buffer[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_position++] = (byte)value;
    }

    /// <summary>Length, then the bytes as they are: the one copy a sequence makes on the way out.</summary>
    public void Sequence(Sequence sequence)
    {
        VarUInt32((uint)sequence.Length);
        sequence.Span.CopyTo(_buffer[_position..]);
        _position += sequence.Length;
    }

    /// <summary>Where the next byte goes, for a caller that writes in place (<see cref="Advance"/> after it).</summary>
    public readonly Span<byte> Free => _buffer[_position..];

    public void Advance(int count) => _position += count;

    public void String(string text)
    {
        var count = Wire.Utf8.GetByteCount(text);
        VarUInt32((uint)count);
        _position += Wire.Utf8.GetBytes(text, _buffer.Slice(_position, count));
    }

    public void NullableString(string? text)
    {
        if (text is null)
        {
            VarUInt32(0);
            return;
        }
        var count = Wire.Utf8.GetByteCount(text);
        VarUInt32((uint)count + 1);
        _position += Wire.Utf8.GetBytes(text, _buffer.Slice(_position, count));
    }
}

/// <summary>
/// Reads the wire primitives from a received array. Every read checks the bytes that are left,
/// so truncated or corrupt input ends in a <see cref="SerializationException"/>, never an
/// out-of-range read. Sequences are slices of the received array, not copies.
/// </summary>
internal ref struct WireReader(byte[] buffer, string manifest)
{
    private readonly byte[] _buffer = buffer;
    private readonly string _manifest = manifest;
    private int _position;

    private readonly int Remaining => _buffer.Length - _position;

    public byte Byte()
    {
        Need(1, "a byte");
        return _buffer[_position++];
    }

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var other => throw Corrupt($"a boolean must be 0 or 1, got {other}"),
    };

    public long Int64()
    {
        Need(Wire.Int64Size, "an int64");
        var value = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(_position));
        _position += Wire.Int64Size;
        return value;
    }

    public uint VarUInt32()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var next = Byte();
            if (shift == 28 && next > 0x0F) throw Corrupt("a varint exceeds 32 bits");
            value |= (uint)(next & 0x7F) << shift;
            if ((next & 0x80) == 0) return value;
        }
        throw Corrupt("a varint exceeds 32 bits");
    }

    /// <summary>A length that must fit in what is left of the message.</summary>
    public int Length(string what)
    {
        var length = VarUInt32();
        if (length > (uint)Remaining)
            throw Corrupt($"{what} claims {length} bytes but only {Remaining} remain");
        return (int)length;
    }

    /// <summary>A count of items that each take at least <paramref name="minBytesEach"/> bytes of what is left.</summary>
    public int Count(int minBytesEach, string what)
    {
        var count = VarUInt32();
        if (count > (uint)(Remaining / minBytesEach))
            throw Corrupt($"{count} {what} can't fit in the {Remaining} bytes that remain");
        return (int)count;
    }

    /// <summary>Wraps a slice of the received array (no copy): Akka hands each message its own array.</summary>
    public Sequence Sequence()
    {
        var length = Length("a sequence");
        if (length == 0) return Core.Sequence.Empty;
        var sequence = new Sequence(new ReadOnlyMemory<byte>(_buffer, _position, length));
        _position += length;
        return sequence;
    }

    /// <summary>The next <paramref name="length"/> bytes, checked against what is left (a view, no copy).</summary>
    public ReadOnlySpan<byte> Raw(int length, string what)
    {
        Need(length, what);
        var span = _buffer.AsSpan(_position, length);
        _position += length;
        return span;
    }

    public string String() => Utf8(Length("a string"));

    public string? NullableString()
    {
        var lengthPlusOne = VarUInt32();
        if (lengthPlusOne == 0) return null;
        var length = lengthPlusOne - 1;
        if (length > (uint)Remaining)
            throw Corrupt($"a string claims {length} bytes but only {Remaining} remain");
        return Utf8((int)length);
    }

    /// <summary>A message must use its bytes exactly; anything after the last field is corruption.</summary>
    public readonly void End()
    {
        if (Remaining != 0) throw Corrupt($"{Remaining} unexpected bytes after the last field");
    }

    public readonly SerializationException Corrupt(string problem) =>
        new($"Kernel message with manifest '{_manifest}' is corrupt at byte {_position} of {_buffer.Length}: {problem}.");

    private string Utf8(int length)
    {
        string text;
        try
        {
            text = Wire.Utf8.GetString(_buffer, _position, length);
        }
        catch (DecoderFallbackException error)
        {
            throw new SerializationException(
                $"Kernel message with manifest '{_manifest}' has a string that is not valid UTF-8 at byte {_position}.", error);
        }
        _position += length;
        return text;
    }

    private readonly void Need(int count, string what)
    {
        if (Remaining < count) throw Corrupt($"it ends before {what}");
    }
}
