using PromiseGrid.Cli.Input;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// A training corpus read from a file, split once and for all: the first 90% (rounded down to a
/// whole byte) is for training, the last <see cref="HeldOutPercent"/>% is held out for evaluation.
/// <c>pgrid gpt train</c>, <c>pgrid gpt eval</c> and the compressor comparison script
/// (<c>src/PromiseGrid.Bench/Gpt/compare-compressors.sh</c>) all cut at the same byte, ⌊N·9/10⌋.
/// </summary>
public sealed class GptCorpus
{
    /// <summary>The share of the file, at its end, that training never sees.</summary>
    public const int HeldOutPercent = 10;

    private GptCorpus(string path, byte[] bytes)
    {
        Path = path;
        Bytes = bytes;
        SplitAt = SplitOffset(bytes.LongLength);
    }

    /// <summary>The file as named on the command line.</summary>
    public string Path { get; }

    /// <summary>The whole file.</summary>
    public byte[] Bytes { get; }

    /// <summary>Where the held-out part begins: ⌊N·(100 − <see cref="HeldOutPercent"/>)/100⌋.</summary>
    public int SplitAt { get; }

    /// <summary>The bytes training reads.</summary>
    public ReadOnlyMemory<byte> Train => Bytes.AsMemory(0, SplitAt);

    /// <summary>The bytes evaluation reads.</summary>
    public ReadOnlyMemory<byte> HeldOut => Bytes.AsMemory(SplitAt);

    /// <summary>The split point of a file of <paramref name="length"/> bytes.</summary>
    public static int SplitOffset(long length) => (int)(length * (100 - HeldOutPercent) / 100);

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
}
