using System.Buffers.Binary;
using System.Text;
using PromiseGrid.Gpt.Checkpoints;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Checkpoints;

/// <summary>
/// <see cref="SafeTensors"/>: the bytes it writes are those the format (and its reference
/// implementation) prescribe, what it writes reads back identically, a hand-built file of the
/// spec is read, and every kind of corruption is refused with a message naming it.
/// </summary>
public sealed class SafeTensorsTests
{
    private static readonly Dictionary<string, string> NoMetadata = [];

    [Fact]
    public void A_round_trip_gives_the_same_names_shapes_bits_and_metadata()
    {
        var random = new Random(3);
        var big = new float[37 * 129];
        for (var i = 0; i < big.Length; i++) big[i] = (float)random.NextDouble() - 0.5f;
        var specials = new[] { float.NaN, float.PositiveInfinity, -0f, float.Epsilon, float.MaxValue, 1f / 3 };
        var metadata = new Dictionary<string, string> { ["layers"] = "4", ["dim"] = "128", ["note"] = "ünïcode \"quoted\" <tag>" };

        var stream = new MemoryStream();
        SafeTensors.Write(stream, [("wte", [37, 129], big), ("specials", [2, 3], specials), ("scalar", [], new[] { 42f }), ("empty", [0, 5], Array.Empty<float>())], metadata);
        stream.Position = 0;
        var file = SafeTensors.Read(stream);

        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(["empty", "scalar", "specials", "wte"], file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([37, 129], file.Tensors["wte"].Shape);
        Assert.Equal(Bits(big), Bits(file.Tensors["wte"].Data));
        Assert.Equal(Bits(specials), Bits(file.Get("specials", 2, 3)));
        Assert.Equal([42f], file.Get("scalar"));
        Assert.Empty(file.Get("empty", 0, 5));
    }

    [Fact]
    public void The_written_bytes_are_the_reference_layout()
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, [("b", [1], new[] { 2f }), ("a", [2], new[] { 1f, -1f })], new Dictionary<string, string> { ["k"] = "v" });
        var bytes = stream.ToArray();

        const string json = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        var padded = json + new string(' ', (8 - json.Length % 8) % 8);
        Assert.Equal((ulong)padded.Length, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(0, padded.Length % 8);
        Assert.Equal(padded, Encoding.UTF8.GetString(bytes, 8, padded.Length));
        Assert.Equal([0, 0, 0x80, 0x3F, 0, 0, 0x80, 0xBF, 0, 0, 0, 0x40], bytes[(8 + padded.Length)..]);
    }

    [Fact]
    public void A_hand_built_file_of_the_spec_with_every_float_dtype_is_read()
    {
        // Tensors listed out of offset order, no metadata, no padding: all legal.
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(1.5f)); data.AddRange(BitConverter.GetBytes(-2f));   // F32 [2]     0..8
        data.AddRange(BitConverter.GetBytes(0.25));                                               // F64 [1]     8..16
        data.AddRange([0x00, 0x3C, 0x00, 0xC0]);                                                  // F16 [2]     16..20: 1, -2
        data.AddRange([0x80, 0x3F, 0x40, 0x40]);                                                  // BF16 [1,2] 20..24: 1, 3
        var file = Build("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]},"
            + "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]},"
            + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[20,24]}}", [.. data]);

        var read = SafeTensors.Read(new MemoryStream(file));
        Assert.Empty(read.Metadata);
        Assert.Equal([1.5f, -2f], read.Get("f", 2));
        Assert.Equal([0.25f], read.Get("d", 1));
        Assert.Equal([1f, -2f], read.Get("h", 2));
        Assert.Equal([1f, 3f], read.Get("bf", 1, 2));
    }

    [Fact]
    public void WriteFile_replaces_the_target_and_leaves_no_temporary_file()
    {
        var directory = Directory.CreateTempSubdirectory("safetensors-test-");
        try
        {
            var path = Path.Combine(directory.FullName, "model.safetensors");
            SafeTensors.WriteFile(path, [("w", [1], new[] { 1f })], NoMetadata);
            SafeTensors.WriteFile(path, [("w", [2], new[] { 2f, 3f })], new Dictionary<string, string> { ["step"] = "2" });
            var read = SafeTensors.ReadFile(path);
            Assert.Equal([2f, 3f], read.Get("w", 2));
            Assert.Equal("2", read.GetMetadata("step"));
            Assert.Equal(["model.safetensors"], directory.GetFiles().Select(f => f.Name));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Write_refuses_a_shape_that_does_not_match_the_data_and_duplicate_names()
    {
        var ex = Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), [("w", [2, 3], new float[5])], NoMetadata));
        Assert.Contains("shape [2, 3] (6 elements) but 5 values", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), [("w", [1], new float[1]), ("w", [1], new float[1])], NoMetadata));
        Assert.Contains("Two tensors are named \"w\"", ex.Message);
    }

    [Fact]
    public void Get_refuses_a_missing_tensor_or_a_mismatched_shape()
    {
        var file = RoundTrip([("wte", [256, 64], new float[256 * 64])]);
        var ex = Assert.Throws<CheckpointFormatException>(() => file.Get("wte", 256, 128));
        Assert.Equal("Tensor \"wte\" has shape [256, 64] in the checkpoint, but the model expects [256, 128].", ex.Message);
        ex = Assert.Throws<CheckpointFormatException>(() => file.Get("wpe", 64, 64));
        Assert.Contains("no tensor \"wpe\"", ex.Message);
        ex = Assert.Throws<CheckpointFormatException>(() => file.GetMetadata("layers"));
        Assert.Contains("no \"layers\" entry", ex.Message);
    }

    public static TheoryData<string, byte[]> CorruptFiles()
    {
        var good = Good();
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(good);
        var data = new byte[12];
        return new()
        {
            { "fewer than the 8-byte header length", good[..5] },
            { "Truncated checkpoint: the header length field says", good[..(8 + headerLength - 3)] },
            { "Truncated checkpoint: the tensors need 12 bytes of data but the file holds 8", good[..^4] },
            { "more than the 100000000 allowed", [.. BitConverter.GetBytes(ulong.MaxValue), .. good[8..]] },
            { "not valid JSON", Build("{\"a\":{\"dtype\":\"F32\",", data) },
            { "does not start with '{'", Build("[1, 2]", data) },
            { "Unsupported dtype \"I64\"", Build("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", data) },
            { "Unsupported dtype \"Q4\"", Build("{\"a\":{\"dtype\":\"Q4\",\"shape\":[3],\"data_offsets\":[0,12]}}", data) },
            { "shape [2] × 4 bytes (F32) = 8 bytes, but its data_offsets [0, 12] span 12", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", data) },
            { "a gap of 4 bytes before tensor \"b\"", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", data) },
            { "overlaps the previous tensor, which ends at 8", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data) },
            { "ends at 4, before it begins at 8", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,4]}}", data) },
            { "the tensors end at byte 8 of the data section but it holds 12", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data) },
            { "Truncated checkpoint: the tensors need 16 bytes", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", data) },
            { "\"a\" appears twice", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data) },
            { "has no \"data_offsets\" pair", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0]}}", data) },
            { "metadata \"k\" is not a string", Build("{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", data) },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void A_corrupt_or_truncated_file_is_refused_with_a_message_naming_the_fault(string expected, byte[] file)
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(new MemoryStream(file)));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void A_stream_that_cannot_seek_is_read_too()
    {
        var good = Good();
        var file = SafeTensors.Read(new ForwardOnlyStream(good));
        Assert.Equal([1f, 2f, 3f], file.Get("w", 3));
    }

    /// <summary>A valid file: one F32 tensor "w" = [1, 2, 3] (12 bytes of data).</summary>
    private static byte[] Good()
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, [("w", [3], new[] { 1f, 2f, 3f })], NoMetadata);
        return stream.ToArray();
    }

    private static SafeTensorsFile RoundTrip(IEnumerable<(string, int[], ReadOnlyMemory<float>)> tensors)
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors, NoMetadata);
        stream.Position = 0;
        return SafeTensors.Read(stream);
    }

    private static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data];
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
