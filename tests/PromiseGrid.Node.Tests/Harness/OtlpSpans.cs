namespace PromiseGrid.Node.Tests.Harness;

/// <summary>One span as an OTLP exporter sent it; ids in lower-case hex, <see cref="Node"/> its resource's service.instance.id.</summary>
public sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, string Node);

/// <summary>
/// Reads the spans out of an ExportTraceServiceRequest body (opentelemetry-proto trace/v1), just
/// the fields the tests check: a minimal protobuf reader (varint and length-delimited fields;
/// others skipped), as the test needs no generated classes.
/// </summary>
public static class OtlpSpans
{
    public static IEnumerable<OtlpSpan> Read(byte[] request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1) continue; // ExportTraceServiceRequest.resource_spans
            var node = "";
            foreach (var (f, value) in Fields(resourceSpans))
            {
                if (f == 1) node = InstanceId(value) ?? node; // ResourceSpans.resource
            }
            foreach (var (f, scopeSpans) in Fields(resourceSpans))
            {
                if (f != 2) continue; // ResourceSpans.scope_spans
                foreach (var (g, span) in Fields(scopeSpans))
                    if (g == 2) spans.Add(Span(span, node)); // ScopeSpans.spans
            }
        }
        return spans;
    }

    private static OtlpSpan Span(ReadOnlyMemory<byte> span, string node)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        foreach (var (field, value, varint, _) in FieldsWithVarints(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value.Span); break;
                case 2: spanId = Convert.ToHexStringLower(value.Span); break;
                case 4: parent = Convert.ToHexStringLower(value.Span); break;
                case 5: name = System.Text.Encoding.UTF8.GetString(value.Span); break;
                case 6: kind = (int)varint; break;
            }
        }
        return new OtlpSpan(traceId, spanId, parent, name, kind, node);
    }

    /// <summary>Resource.attributes (KeyValue: key 1, value 2 = AnyValue with string_value 1) "service.instance.id".</summary>
    private static string? InstanceId(ReadOnlyMemory<byte> resource)
    {
        foreach (var (field, keyValue) in Fields(resource))
        {
            if (field != 1) continue;
            string? key = null, text = null;
            foreach (var (f, value) in Fields(keyValue))
            {
                if (f == 1) key = System.Text.Encoding.UTF8.GetString(value.Span);
                if (f == 2)
                    foreach (var (g, s) in Fields(value))
                        if (g == 1) text = System.Text.Encoding.UTF8.GetString(s.Span);
            }
            if (key == "service.instance.id") return text;
        }
        return null;
    }

    private static IEnumerable<(int Field, ReadOnlyMemory<byte> Value)> Fields(ReadOnlyMemory<byte> message) =>
        FieldsWithVarints(message).Where(f => f.Wire == 2).Select(f => (f.Field, f.Value));

    private static IEnumerable<(int Field, ReadOnlyMemory<byte> Value, ulong Varint, int Wire)> FieldsWithVarints(ReadOnlyMemory<byte> message)
    {
        var at = 0;
        while (at < message.Length)
        {
            var tag = Varint(message.Span, ref at);
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (wire)
            {
                case 0:
                    yield return (field, ReadOnlyMemory<byte>.Empty, Varint(message.Span, ref at), wire);
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    var length = (int)Varint(message.Span, ref at);
                    yield return (field, message.Slice(at, length), 0, wire);
                    at += length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw new FormatException($"protobuf wire type {wire} at byte {at} is not in OTLP");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }
}
