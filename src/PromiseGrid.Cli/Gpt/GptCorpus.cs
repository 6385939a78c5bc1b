using PromiseGrid.Cli.Input;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// A training corpus read from a file, split once and for all into three consecutive parts:
/// <list type="bullet">
/// <item>training: the first 85% (up to ⌊N·85/100⌋), the only bytes <c>pgrid gpt train</c> learns from;</item>
/// <item>validation: the next <see cref="ValidationPercent"/>%, up to ⌊N·90/100⌋, which <c>pgrid gpt train</c>
/// evaluates on as it goes and at the end: choose hyper-parameters by this figure;</item>
/// <item>held out: the last <see cref="HeldOutPercent"/>%, which only <c>pgrid gpt eval</c> reads: the figure
/// that is reported, never one to tune on.</item>
/// </list>
/// The held-out cut, ⌊N·9/10⌋, is the one the compressor comparison script
/// (<c>src/PromiseGrid.Bench/Gpt/compare-compressors.sh</c>) uses too.
/// </summary>
public sealed class GptCorpus
{
    /// <summary>The share of the file, at its end, that training never sees and that is not tuned on.</summary>
    public const int HeldOutPercent = 10;

    /// <summary>The share of the file, just before the held-out part, that training evaluates on but does not learn from.</summary>
    public const int ValidationPercent = 5;

    private GptCorpus(string path, byte[] bytes)
    {
        Path = path;
        Bytes = bytes;
        SplitAt = SplitOffset(bytes.LongLength);
        ValidationAt = ValidationOffset(bytes.LongLength);
    }

    /// <summary>The file as named on the command line.</summary>
    public string Path { get; }

    /// <summary>The whole file.</summary>
    public byte[] Bytes { get; }

    /// <summary>Where the held-out part begins: ⌊N·(100 − <see cref="HeldOutPercent"/>)/100⌋.</summary>
    public int SplitAt { get; }

    /// <summary>Where the validation part begins: ⌊N·(100 − <see cref="HeldOutPercent"/> − <see cref="ValidationPercent"/>)/100⌋.</summary>
    public int ValidationAt { get; }

    /// <summary>The bytes training learns from.</summary>
    public ReadOnlyMemory<byte> Train => Bytes.AsMemory(0, ValidationAt);

    /// <summary>The bytes training evaluates on.</summary>
    public ReadOnlyMemory<byte> Validation => Bytes.AsMemory(ValidationAt, SplitAt - ValidationAt);

    /// <summary>The bytes <c>pgrid gpt eval</c> reads.</summary>
    public ReadOnlyMemory<byte> HeldOut => Bytes.AsMemory(SplitAt);

    /// <summary>The held-out split point of a file of <paramref name="length"/> bytes.</summary>
    public static int SplitOffset(long length) => (int)(length * (100 - HeldOutPercent) / 100);

    /// <summary>The validation split point of a file of <paramref name="length"/> bytes.</summary>
    public static int ValidationOffset(long length) => (int)(length * (100 - HeldOutPercent - ValidationPercent) / 100);

    /// <summary>Reads <paramref name="path"/>, refusing a missing, unreadable or empty file with a usage error.</summary>
    public static GptCorpus Load(string path)
    {
        var bytes = LocalFile.ReadAllBytes(path, "corpus");
        if (bytes.Length == 0) throw new UsageException($"corpus '{path}' is empty");
        return new GptCorpus(path, bytes);
    }

    /// <summary>Refuses a part too short to hold one window of <paramref name="window"/> bytes and the byte after it.</summary>
    public static void RequireWindow(ReadOnlyMemory<byte> part, int window, string what)
    {
        if (part.Length < window + 1)
            throw new UsageException($"{what} is {part.Length} bytes, shorter than one window of the model's context ({window} bytes) plus the byte after it: use a larger file or a smaller --context");
    }

    /// <summary>Refuses an empty part: there would be nothing to score.</summary>
    public static void RequireBytes(ReadOnlyMemory<byte> part, string what)
    {
        if (part.IsEmpty) throw new UsageException($"{what} is empty: use a larger file");
    }
}
