using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Gpt.Tests.Model;

/// <summary>Small shapes and texts shared by the model and training tests.</summary>
internal static class TinyGpt
{
    public static GptConfig Config(int layers = 2, int dim = 16, int heads = 4, int context = 8) =>
        new(layers, dim, heads, context);

    public static GptModel Model(int seed = 1, int layers = 2, int dim = 16, int heads = 4, int context = 8) =>
        new(Config(layers, dim, heads, context), seed);

    /// <summary>About 2 KB of plain English (written for these tests) to train on.</summary>
    public static byte[] Corpus { get; } = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(
        "A grid of machines answers one question: given the start of a sequence of bytes, what comes next? " +
        "Each module owns a prefix and completes the sequences that begin with it. The router reads the first " +
        "bytes, finds the module, and forwards the request. Some modules are small tables; one of them is a " +
        "model that has read a great deal of text and guesses the next byte from the bytes before it. ", 5)));

    public static byte[] RandomBytes(int seed, int count)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
