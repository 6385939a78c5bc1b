using BenchmarkDotNet.Attributes;
using PromiseGrid.Core;

namespace PromiseGrid.Bench.Micro;

/// <summary>
/// <see cref="SequenceText"/> formatting and parsing: a typical 32-byte sequence (a route
/// prefix, printable text and a few escaped bytes) and 1 KiB of random bytes (mostly escapes).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SequenceTextBenchmarks
{
    private byte[] _bytes = [];
    private string _text = "";

    [Params("typical32", "random1KiB")]
    public string Input { get; set; } = "typical32";

    [GlobalSetup]
    public void Setup()
    {
        _bytes = Input switch
        {
            // 32 bytes: "echo/" + text + a backslash, a NUL, 0xff and a newline.
            "typical32" => [.. "echo/hello, grid! id=42 "u8, (byte)'\\', 0x00, 0xff, (byte)'\n', .. "end!"u8],
            "random1KiB" => RandomBytes(1024),
            _ => throw new ArgumentOutOfRangeException(nameof(Input), Input, "unknown input"),
        };
        _text = SequenceText.Format(_bytes);
        if (!SequenceText.Parse(_text).Span.SequenceEqual(_bytes))
            throw new InvalidOperationException("format/parse does not round-trip");
    }

    [Benchmark]
    public string Format() => SequenceText.Format(_bytes);

    [Benchmark]
    public Sequence Parse() => SequenceText.Parse(_text);

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(20240604).NextBytes(bytes);
        return bytes;
    }
}
