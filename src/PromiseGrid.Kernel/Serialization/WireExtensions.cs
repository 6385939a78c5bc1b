using System.Diagnostics;
using System.Text;

namespace PromiseGrid.Kernel.Serialization;

/// <summary>
/// The extension block of wire format 4 (docs/wire.md#the-extension-block): after a message's last
/// field, a <c>varint</c> count, then per entry a <c>varint</c> tag and a <c>bytes</c> value. A
/// reader skips a tag it does not know, so an optional field added later needs only a new tag:
/// nodes that predate it read the message and ignore the field, without a new format version.
/// </summary>
/// <remarks>Tags in use: <see cref="TraceTag"/>. A tag never changes meaning; a new field takes the next number.</remarks>
internal static class WireExtensions
{
    /// <summary>Tag 1: W3C trace context of a <c>Complete</c>: trace id (16 bytes), parent span id (8), flags (1), then tracestate as UTF-8 (the rest, may be empty).</summary>
    public const uint TraceTag = 1;

    private const int TraceFixedSize = 16 + 8 + 1;

    /// <summary>Longest tracestate carried (W3C's own limit is 512 characters); a longer one is dropped, not the trace.</summary>
    public const int MaxTraceStateBytes = 512;

    /// <summary>What a reader understood of an extension block; unknown tags leave nothing here.</summary>
    public readonly record struct Decoded(ActivityContext Trace);

    public static int Size(ActivityContext trace)
    {
        var value = TraceFixedSize + TraceStateSize(trace.TraceState);
        return 1 + Wire.VarUInt32Size(TraceTag) + Wire.VarUInt32Size((uint)value) + value;
    }

    public static void Write(ref WireWriter writer, ActivityContext trace)
    {
        var stateSize = TraceStateSize(trace.TraceState);
        writer.VarUInt32(1);
        writer.VarUInt32(TraceTag);
        writer.VarUInt32((uint)(TraceFixedSize + stateSize));
        trace.TraceId.CopyTo(writer.Free[..16]);
        writer.Advance(16);
        trace.SpanId.CopyTo(writer.Free[..8]);
        writer.Advance(8);
        writer.Byte((byte)trace.TraceFlags);
        if (stateSize > 0) writer.Advance(Wire.Utf8.GetBytes(trace.TraceState, writer.Free));
    }

    public static Decoded Read(ref WireReader reader)
    {
        // An entry takes at least 2 bytes (a one-byte tag and an empty value).
        var count = reader.Count(minBytesEach: 2, "extensions");
        ActivityContext trace = default;
        for (var i = 0; i < count; i++)
        {
            var tag = reader.VarUInt32();
            var length = reader.Length("an extension");
            var value = reader.Raw(length, "an extension");
            if (tag != TraceTag) continue; // a newer node's field: skipped by design
            if (length < TraceFixedSize) throw reader.Corrupt($"a trace context takes at least {TraceFixedSize} bytes, got {length}");
            // W3C: all-zero ids are invalid (and an all-zero ActivityTraceId would not equal default, so check the bytes).
            if (!value[..16].ContainsAnyExcept((byte)0) || !value.Slice(16, 8).ContainsAnyExcept((byte)0))
                throw reader.Corrupt("a trace context with an all-zero trace or span id");
            var traceId = ActivityTraceId.CreateFromBytes(value[..16]);
            var spanId = ActivitySpanId.CreateFromBytes(value.Slice(16, 8));
            string? state = null;
            if (length > TraceFixedSize)
            {
                try
                {
                    state = Wire.Utf8.GetString(value[TraceFixedSize..]);
                }
                catch (DecoderFallbackException)
                {
                    throw reader.Corrupt("a tracestate that is not valid UTF-8");
                }
            }
            trace = new ActivityContext(traceId, spanId, (ActivityTraceFlags)value[24], state, isRemote: true);
        }
        return new Decoded(trace);
    }

    private static int TraceStateSize(string? state)
    {
        if (string.IsNullOrEmpty(state)) return 0;
        var size = Wire.Utf8.GetByteCount(state);
        return size <= MaxTraceStateBytes ? size : 0;
    }
}
