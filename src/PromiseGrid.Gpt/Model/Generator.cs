using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Continues a byte sequence with a <see cref="GptModel"/>. The model sees a window of at most
/// Context bytes: when the window is full it keeps its last Context/2 bytes and goes on, so the
/// KV cache is rebuilt once every Context/2 bytes rather than on every byte. The same window
/// rule applies with and without the cache, so both give the same bytes.
/// An empty prompt is read as a single newline, the model's natural start of a line.
/// </summary>
public sealed class Generator
{
    private readonly GptModel _model;

    public Generator(GptModel model) => _model = model;

    /// <summary>Generates up to <paramref name="count"/> bytes after <paramref name="prompt"/>.</summary>
    public byte[] Generate(ReadOnlySpan<byte> prompt, int count, SamplingOptions options, bool useCache = true) =>
        Stream(prompt.ToArray(), count, options, useCache, CancellationToken.None).ToArray();

    /// <summary>Yields the continuation byte by byte as it is produced (KV-cached), for streaming.</summary>
    public async IAsyncEnumerable<byte> GenerateAsync(ReadOnlyMemory<byte> prompt, int count, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (byte b in Stream(prompt.ToArray(), count, options, useCache: true, cancellationToken))
        {
            yield return b;
            await Task.Yield(); // let the consumer forward the byte before the next one is computed
        }
    }

    private IEnumerable<byte> Stream(byte[] prompt, int count, SamplingOptions options, bool useCache, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        options.Validate();
        int context = _model.Config.Context;
        int keep = context / 2;
        var window = new List<byte>(prompt.Length == 0 ? new byte[] { (byte)'\n' } : prompt);
        if (window.Count > context) window.RemoveRange(0, window.Count - context);
        var random = new Random(options.Seed);
        var cache = useCache ? new KvCache(_model) : null;
        var logits = new float[GptConfig.VocabularySize];
        bool stale = true; // the cache does not hold the window yet

        for (int produced = 0; produced < count; produced++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (cache is null)
            {
                _model.Forward(window.ToArray(), default, 1, window.Count);
                _model.Logits(0, window.Count - 1).CopyTo(logits);
            }
            else if (stale)
            {
                cache.Clear();
                // The whole window in one pass: matrix products instead of one matrix-vector product per byte.
                cache.Append(CollectionsMarshal.AsSpan(window)).CopyTo(logits);
                stale = false;
            }

            byte next = Sampler.Next(logits, options, random);
            if (options.StopByte == next) yield break;
            yield return next;
            if (produced + 1 == count) yield break;

            if (window.Count == context)
            {
                window.RemoveRange(0, window.Count - keep);
                stale = true;
            }
            window.Add(next);
            if (cache is not null && !stale) cache.Append(next).CopyTo(logits);
        }
    }
}
