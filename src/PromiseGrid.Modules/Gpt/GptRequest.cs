using System.Globalization;
using System.Text;
using PromiseGrid.Core;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Modules.Gpt;

/// <summary>
/// What a <c>gpt/</c> request asks for: how many bytes, how to sample them, and the prompt.
/// The grammar of the bytes after <c>gpt/</c>:
/// <code>
/// rest    = options "/" prompt      when rest starts with a known key and "="
///         | prompt                  otherwise (the whole rest is the prompt)
/// options = option *("," option)
/// option  = "n=" 1*DIGIT            bytes to generate, 1..max-bytes (default default-bytes, 64)
///         | "t=" decimal            temperature, 0..100, 0 = greedy (default 0.8)
///         | "k=" 1*DIGIT            top-k, 0..256, 0 = all bytes (default 40)
///         | "s=" 1*DIGIT            seed, 0..2147483647 (default 0)
///         | "stop=" 2HEXDIG         stop byte, e.g. stop=0a for a newline (default none)
/// decimal = 1*DIGIT ["." *DIGIT] | "." 1*DIGIT
/// </code>
/// Each key at most once, in any order; the prompt is raw bytes and may hold anything, "/" and
/// "," included. A prompt that itself begins with, say, <c>n=</c> is written after an options
/// segment: <c>gpt/n=64/n=5 apples</c>. Anything else in an options segment (an unknown key, a
/// value out of range or malformed, a missing closing "/") is a BadRequest saying what is wrong.
/// </summary>
/// <param name="Count">Bytes to generate (fewer when the stop byte comes first).</param>
/// <param name="Sampling">Temperature, top-k, seed and stop byte, as <see cref="Generator"/> takes them.</param>
/// <param name="Prompt">The bytes to continue.</param>
internal sealed record GptRequest(int Count, SamplingOptions Sampling, Sequence Prompt)
{
    /// <summary>Temperature when the request names none.</summary>
    public const float DefaultTemperature = 0.8f;

    /// <summary>Top-k when the request names none.</summary>
    public const int DefaultTopK = 40;

    /// <summary>Seed when the request names none: fixed, so every request is deterministic and the route pure.</summary>
    public const int DefaultSeed = 0;

    /// <summary>Highest temperature accepted; far above any useful one, it only keeps out nonsense.</summary>
    public const float MaxTemperature = 100f;

    /// <summary>The option keys, in the order the grammar lists them.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["n", "t", "k", "s", "stop"];

    private const int MaxValueLength = 16;

    /// <summary>"n=", "t=", ...: the bytes that open an options segment.</summary>
    private static readonly byte[][] KeyOpenings = Keys.Select(key => Encoding.ASCII.GetBytes(key + "=")).ToArray();

    /// <summary>
    /// Parses the bytes after <c>gpt/</c>. Throws <see cref="CompletionRefusedException"/> with
    /// <see cref="CompletionStatus.BadRequest"/> and a reason for a malformed options segment.
    /// </summary>
    public static GptRequest Parse(Sequence rest, int defaultBytes, int maxBytes)
    {
        var span = rest.Span;
        if (!StartsWithOption(span))
            return new GptRequest(defaultBytes, new SamplingOptions(DefaultTemperature, DefaultTopK, DefaultSeed), rest);
        var slash = span.IndexOf((byte)'/');
        if (slash < 0)
            throw Bad($"the options segment '{Text(span)}' has no closing '/': options end at the first '/' " +
                "(gpt/n=64,t=0.8/ then the prompt, which may be empty); a prompt that itself begins with a key and '=' goes after an options segment (gpt/n=64/n=5 apples)");

        int? count = null, topK = null, seed = null;
        float? temperature = null;
        byte? stop = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in Encoding.Latin1.GetString(span[..slash]).Split(','))
        {
            var equals = item.IndexOf('=');
            if (equals < 0)
                throw Bad($"option '{Clip(item)}' is not key=value; options are {KeyList} separated by ','");
            var key = item[..equals];
            var value = item[(equals + 1)..];
            if (!Keys.Contains(key))
                throw Bad($"unknown option '{Clip(key)}'; options are {KeyList}");
            if (!seen.Add(key))
                throw Bad($"option '{key}' is given twice");
            switch (key)
            {
                case "n":
                    count = Integer(key, value, 1, maxBytes, "bytes to generate", " (promisegrid.gpt.max-bytes)");
                    break;
                case "t":
                    temperature = Temperature(value);
                    break;
                case "k":
                    topK = Integer(key, value, 0, GptConfig.VocabularySize, "top-k (0: all bytes)", "");
                    break;
                case "s":
                    seed = Integer(key, value, 0, int.MaxValue, "seed", "");
                    break;
                default:
                    stop = StopByte(value);
                    break;
            }
        }
        var sampling = new SamplingOptions(temperature ?? DefaultTemperature, topK ?? DefaultTopK, seed ?? DefaultSeed, stop);
        return new GptRequest(count ?? defaultBytes, sampling, rest.Slice(slash + 1));
    }

    /// <summary>Whether the rest opens an options segment: one of <see cref="Keys"/> followed by '='.</summary>
    public static bool StartsWithOption(ReadOnlySpan<byte> rest)
    {
        foreach (var opening in KeyOpenings)
            if (rest.StartsWith(opening))
                return true;
        return false;
    }

    private static string KeyList => string.Join(", ", Keys);

    private static int Integer(string key, string value, int min, long max, string what, string limitNote)
    {
        if (value.Length == 0 || value.Length > MaxValueLength || !value.All(char.IsAsciiDigit))
            throw Bad($"option {key}= ({what}) must be a whole number from {min} to {max}, got '{Clip(value)}'");
        var number = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
        if (number < min || number > max)
            throw Bad($"option {key}={value} is out of range: {what} must be from {min} to {max}{limitNote}");
        return (int)number;
    }

    private static float Temperature(string value)
    {
        // Digits and at most one point only: no sign, exponent, NaN or Infinity.
        var digits = value.Count(char.IsAsciiDigit);
        var points = value.Count(c => c == '.');
        if (digits == 0 || points > 1 || digits + points != value.Length || value.Length > MaxValueLength)
            throw Bad($"option t= (temperature) must be a decimal number from 0 to {MaxTemperature} like 0.8, got '{Clip(value)}'");
        var temperature = float.Parse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (temperature > MaxTemperature)
            throw Bad($"option t={value} is out of range: temperature must be from 0 (greedy) to {MaxTemperature}");
        return temperature;
    }

    private static byte StopByte(string value)
    {
        if (value.Length != 2 || !value.All(char.IsAsciiHexDigit))
            throw Bad($"option stop= must be one byte as two hex digits, like stop=0a for a newline, got '{Clip(value)}'");
        return byte.Parse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    private static CompletionRefusedException Bad(string reason) => new(CompletionStatus.BadRequest, "gpt/: " + reason);

    private static string Text(ReadOnlySpan<byte> bytes) => Clip(Encoding.Latin1.GetString(bytes));

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
