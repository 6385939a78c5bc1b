using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PromiseGrid.Gpt.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face), so that checkpoints can be inspected
/// and exchanged with other tools: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (<c>{"__metadata__": {string: string}, "name": {"dtype": "F32", "shape": [...],
/// "data_offsets": [begin, end]}, ...}</c>), then the data section, in which the tensors lie
/// little-endian, back to back, with offsets relative to the section's start.
/// </summary>
/// <remarks>
/// Written as the reference implementation writes: compact JSON, <c>__metadata__</c> first,
/// tensors ordered by name, the header padded with spaces to a multiple of 8 bytes so the data
/// is aligned. Read as strictly as the reference reads: the tensors must tile the data section
/// exactly (no gap, no overlap, nothing after the last one) and each byte range must hold exactly
/// its shape's elements. F32 is read as is; F64, F16 and BF16 are converted to float.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The key of the string-to-string metadata object in the header.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation's cap on the header: larger is refused as corrupt.</summary>
    private const long MaxHeaderLength = 100_000_000;

    /// <summary>
    /// Writes <paramref name="tensors"/> (F32) and <paramref name="metadata"/> to
    /// <paramref name="stream"/> in the safetensors format. Each tensor's data length must be
    /// the product of its shape; names must be distinct and not <see cref="MetadataKey"/>.
    /// </summary>
    public static void Write(Stream stream, IEnumerable<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);

        var ordered = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape, data) in ordered)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(shape, nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"A tensor cannot be named \"{MetadataKey}\".", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"Two tensors are named \"{name}\".", nameof(tensors));
            long count = 1;
            foreach (var dimension in shape)
            {
                if (dimension < 0) throw new ArgumentException($"Tensor \"{name}\" has a negative dimension in [{string.Join(", ", shape)}].", nameof(tensors));
                count *= dimension;
            }
            if (count != data.Length)
                throw new ArgumentException($"Tensor \"{name}\" has shape [{string.Join(", ", shape)}] ({count} elements) but {data.Length} values.", nameof(tensors));
        }
        ordered.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));

        var header = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(header, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, shape, data) in ordered)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var dimension in shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)data.Length * sizeof(float);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }

        var padding = (8 - header.WrittenCount % 8) % 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(header.WrittenCount + padding));
        stream.Write(length);
        stream.Write(header.WrittenSpan);
        for (var i = 0; i < padding; i++) stream.WriteByte((byte)' ');

        foreach (var (_, _, data) in ordered)
        {
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(data.Span));
                continue;
            }
            var buffer = new byte[sizeof(float)];
            foreach (var value in data.Span)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer, value);
                stream.Write(buffer);
            }
        }
    }

    /// <summary>
    /// Writes a safetensors file at <paramref name="path"/> atomically: into a temporary file in
    /// the same directory, flushed to disk, then renamed over the target, so a crash mid-save
    /// leaves the previous checkpoint intact rather than a truncated one.
    /// </summary>
    public static void WriteFile(string path, IEnumerable<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(stream, tensors, metadata);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Reads the safetensors file at <paramref name="path"/>; see <see cref="Read"/>.</summary>
    public static SafeTensorsFile ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream);
    }

    /// <summary>
    /// Reads a safetensors stream from its current position to its end. Throws
    /// <see cref="CheckpointFormatException"/> with the reason when the stream is truncated, its
    /// header length runs beyond the stream, the header is not the expected JSON, a dtype is not
    /// one this reader converts, a tensor's byte range disagrees with its shape, or the ranges
    /// leave gaps, overlap or do not end exactly at the end of the data.
    /// </summary>
    public static SafeTensorsFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            // Lengths are checked before any tensor is read; that needs a stream that knows its length.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }

        var available = stream.Length - stream.Position;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (available < 8 || stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new CheckpointFormatException($"Truncated checkpoint: {available} bytes, fewer than the 8-byte header length that starts a safetensors file.");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
            throw new CheckpointFormatException($"Not a safetensors file: the header length field says {headerLength} bytes, more than the {MaxHeaderLength} allowed.");
        if ((long)headerLength > available - 8)
            throw new CheckpointFormatException($"Truncated checkpoint: the header length field says {headerLength} bytes but only {available - 8} bytes follow it.");

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var entries = ParseHeader(header, out var metadata);

        var dataLength = available - 8 - (long)headerLength;
        entries.Sort((x, y) => x.Begin != y.Begin ? x.Begin.CompareTo(y.Begin) : x.End.CompareTo(y.End));
        long expected = 0;
        foreach (var entry in entries)
        {
            if (entry.Begin > expected)
                throw new CheckpointFormatException($"Bad data_offsets: a gap of {entry.Begin - expected} bytes before tensor \"{entry.Name}\" (it begins at {entry.Begin}, the previous tensor ends at {expected}).");
            if (entry.Begin < expected)
                throw new CheckpointFormatException($"Bad data_offsets: tensor \"{entry.Name}\" [{entry.Begin}, {entry.End}) overlaps the previous tensor, which ends at {expected}.");
            expected = entry.End;
        }
        if (expected > dataLength)
            throw new CheckpointFormatException($"Truncated checkpoint: the tensors need {expected} bytes of data but the file holds {dataLength} after the header.");
        if (expected < dataLength)
            throw new CheckpointFormatException($"Bad data_offsets: the tensors end at byte {expected} of the data section but it holds {dataLength} bytes.");

        var tensors = new Dictionary<string, SafeTensor>(entries.Count, StringComparer.Ordinal);
        foreach (var entry in entries)
            tensors.Add(entry.Name, new SafeTensor(entry.Shape, ReadValues(stream, entry)));
        return new SafeTensorsFile(metadata, tensors);
    }

    /// <summary>A tensor's header entry, its byte range relative to the data section.</summary>
    private sealed record Entry(string Name, string Dtype, int ElementSize, int[] Shape, long Count, long Begin, long End);

    private static List<Entry> ParseHeader(byte[] header, out IReadOnlyDictionary<string, string> metadata)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
            throw new CheckpointFormatException("Bad safetensors header: it does not start with '{'.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException($"Bad safetensors header: not valid JSON ({ex.Message})", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new CheckpointFormatException($"Bad safetensors header: \"{property.Name}\" appears twice.");
                if (property.Name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw new CheckpointFormatException($"Bad safetensors header: \"{MetadataKey}\" is not an object.");
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        if (item.Value.ValueKind != JsonValueKind.String)
                            throw new CheckpointFormatException($"Bad safetensors header: metadata \"{item.Name}\" is not a string.");
                        meta[item.Name] = item.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(property.Name, property.Value));
            }
            metadata = meta;
            return entries;
        }
    }

    private static Entry ParseEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException($"Bad safetensors header: tensor \"{name}\" is not an object.");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointFormatException($"Bad safetensors header: tensor \"{name}\" has no \"dtype\" string.");
        var dtype = dtypeElement.GetString()!;
        var elementSize = dtype switch
        {
            "F32" => 4,
            "F64" => 8,
            "F16" or "BF16" => 2,
            _ => throw new CheckpointFormatException($"Unsupported dtype \"{dtype}\" for tensor \"{name}\": this reader takes F32, F64, F16 and BF16."),
        };

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CheckpointFormatException($"Bad safetensors header: tensor \"{name}\" has no \"shape\" array.");
        var shape = new int[shapeElement.GetArrayLength()];
        long count = 1;
        var index = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out var size) || size < 0)
                throw new CheckpointFormatException($"Bad safetensors header: tensor \"{name}\" has a shape entry {dimension.GetRawText()} that is not a dimension.");
            shape[index++] = size;
            count *= size;
            if (count > Array.MaxLength)
                throw new CheckpointFormatException($"Tensor \"{name}\" is too large for this reader ({dimension.GetRawText()} in its shape makes more than {Array.MaxLength} elements).");
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < 0)
            throw new CheckpointFormatException($"Bad safetensors header: tensor \"{name}\" has no \"data_offsets\" pair of byte offsets.");
        if (end < begin)
            throw new CheckpointFormatException($"Bad data_offsets: tensor \"{name}\" ends at {end}, before it begins at {begin}.");
        if (count * elementSize != end - begin)
            throw new CheckpointFormatException($"Tensor \"{name}\": shape [{string.Join(", ", shape)}] × {elementSize} bytes ({dtype}) = {count * elementSize} bytes, but its data_offsets [{begin}, {end}] span {end - begin}.");
        return new Entry(name, dtype, elementSize, shape, count, begin, end);
    }

    private static float[] ReadValues(Stream stream, Entry entry)
    {
        var values = new float[entry.Count];
        if (entry.Dtype == "F32")
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            if (!BitConverter.IsLittleEndian)
                for (var i = 0; i < values.Length; i++)
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
            return values;
        }

        var bytes = new byte[entry.End - entry.Begin];
        stream.ReadExactly(bytes);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = entry.Dtype switch
            {
                "F64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8)),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2)),
                // bfloat16 is the upper half of a float32.
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2)) << 16),
            };
        }
        return values;
    }
}
