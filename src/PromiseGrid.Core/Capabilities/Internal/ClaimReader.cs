using System.Formats.Cbor;

namespace PromiseGrid.Core.Capabilities.Internal;

/// <summary>
/// Reads a CBOR map of integer-labelled claims (a CWT claims set, RFC 8392) with typed getters whose
/// failures name the claim, e.g. <c>link 1: claim exp (4) must be an integer</c>. Strict conformance
/// rejects duplicate labels, so a claim cannot be given twice with the verifier seeing the wrong one.
/// </summary>
internal sealed class ClaimReader
{
    private readonly CborReader _reader;
    private readonly string _context;
    private int _remaining;

    /// <param name="context">Prefix of every error reason, e.g. <c>"link 2: "</c>.</param>
    public ClaimReader(byte[] payload, string context)
    {
        _reader = new CborReader(payload, CborConformanceMode.Strict);
        _context = context;
        if (_reader.PeekState() != CborReaderState.StartMap) throw Fail("claims must be a CBOR map");
        _remaining = _reader.ReadStartMap() ?? throw Fail("claims map must have a definite length");
    }

    /// <summary>Moves to the next claim; false after the last, when the map must also end the payload.</summary>
    public bool TryReadLabel(out long label)
    {
        if (_remaining == 0)
        {
            _reader.ReadEndMap();
            if (_reader.BytesRemaining != 0) throw Fail($"{_reader.BytesRemaining} trailing bytes after the claims");
            label = 0;
            return false;
        }
        _remaining--;
        if (_reader.PeekState() is not (CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger))
            throw Fail("claim labels must be integers");
        label = _reader.ReadInt64();
        return true;
    }

    public string ReadText(string name)
    {
        if (_reader.PeekState() != CborReaderState.TextString) throw Fail($"claim {name} must be a text string");
        return _reader.ReadTextString();
    }

    public byte[] ReadBytes(string name)
    {
        if (_reader.PeekState() != CborReaderState.ByteString) throw Fail($"claim {name} must be a byte string");
        return _reader.ReadByteString();
    }

    /// <summary>A NumericDate restricted to whole seconds in <see cref="DateTimeOffset"/>'s range.</summary>
    public DateTimeOffset ReadTime(string name)
    {
        if (_reader.PeekState() is not (CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger))
            throw Fail($"claim {name} must be an integer (seconds since the Unix epoch)");
        long seconds;
        try
        {
            seconds = _reader.ReadInt64();
        }
        catch (OverflowException)
        {
            throw Fail($"claim {name} is out of range");
        }
        return UnixTime.TryFromSeconds(seconds, out var time) ? time : throw Fail($"claim {name} is out of range");
    }

    public CapabilityException Fail(string message) => new(_context + message);

    /// <summary>Runs <paramref name="read"/>, turning CBOR-level faults into a reason with the context.</summary>
    public static T Guard<T>(string context, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new CapabilityException($"{context}malformed claims: {e.Message}");
        }
    }
}
