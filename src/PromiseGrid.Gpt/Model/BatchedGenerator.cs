using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace PromiseGrid.Gpt.Model;

/// <summary>
/// Continuous batching: concurrent generations over one model share each decoding step (one
/// <see cref="BatchedDecoder.Step(IReadOnlyList{KvCache}, ReadOnlySpan{byte})"/> over every active stream's current byte). A stream joins
/// between steps (its prompt is loaded into its own <see cref="KvCache"/> in one block, beside a
/// step, then it decodes with the others; a window cut at the context reloads the same way) and leaves between steps when it has its bytes, meets its stop byte,
/// or is cancelled. Each stream follows <see cref="Generator"/>'s rules exactly (window, cut at
/// the context, its own seeded sampler), and the batched step gives each stream the logits its
/// cache alone would give, so a stream gets the very bytes <see cref="Generator.Generate"/> gives
/// for the same prompt and options, whoever else is in the batch.
/// </summary>
/// <remarks>
/// One loop runs the steps, on the thread pool, one step per work item, while there are
/// streams; it stops when none are left and starts again with the next one. At most
/// <see cref="MaxBatch"/> streams decode together; later ones wait, in arrival order, for a
/// place. Thread-safe; never use the model for training while streams run.
/// </remarks>
public sealed class BatchedGenerator
{
    private readonly GptModel _model;
    private readonly BatchedDecoder _decoder;
    private readonly object _lock = new();
    private readonly Queue<Stream> _joining = new();
    private readonly List<Stream> _active = new();
    private bool _running;

    public BatchedGenerator(GptModel model, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _model = model;
        _decoder = new BatchedDecoder(model);
        MaxBatch = maxBatch;
    }

    public GptModel Model => _model;

    /// <summary>Streams that decode in one step at most.</summary>
    public int MaxBatch { get; }

    /// <summary>Streams in the batch or waiting for a place (for figures and tests).</summary>
    public int Streams
    {
        get { lock (_lock) return _active.Count + _joining.Count; }
    }

    /// <summary>Streams decoding in the last step (for figures and tests).</summary>
    public int LastStepSize { get; private set; }

    /// <summary>
    /// Yields up to <paramref name="count"/> bytes after <paramref name="prompt"/> as the shared
    /// steps produce them; <see cref="Generator.Generate"/>'s bytes for the same arguments.
    /// Cancelling (or abandoning the enumeration) takes the stream out of the batch at the next step.
    /// </summary>
    public async IAsyncEnumerable<byte> GenerateAsync(ReadOnlyMemory<byte> prompt, int count, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        options.Validate();
        if (count == 0) yield break;
        var stream = new Stream(_model, prompt.Span, count, options, cancellationToken);
        Join(stream);
        try
        {
            await foreach (var b in stream.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return b;
        }
        finally
        {
            stream.Abandon();
        }
    }

    /// <summary>The whole continuation at once (for tests and the bench).</summary>
    public async Task<byte[]> GenerateAllAsync(ReadOnlyMemory<byte> prompt, int count, SamplingOptions options,
        CancellationToken cancellationToken = default)
    {
        var output = new List<byte>(count);
        await foreach (var b in GenerateAsync(prompt, count, options, cancellationToken).ConfigureAwait(false)) output.Add(b);
        return output.ToArray();
    }

    private void Join(Stream stream)
    {
        lock (_lock)
        {
            _joining.Enqueue(stream);
            if (_running) return;
            _running = true;
        }
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        var caches = new List<KvCache>();
        var stepping = new List<Stream>();
        var tokens = new List<byte>();
        var loading = new List<Action<bool>>();
        while (true)
        {
            lock (_lock)
            {
                while (_active.Count < MaxBatch && _joining.TryDequeue(out var joined)) _active.Add(joined);
                if (_active.Count == 0)
                {
                    _running = false;
                    LastStepSize = 0;
                    return;
                }
            }
            try
            {
                Step(caches, stepping, tokens, loading);
            }
            catch (Exception error)
            {
                // A bug, not a request's outcome: every stream in the batch hears of it rather than hanging.
                foreach (var stream in _active) stream.Output.Writer.TryComplete(error);
                _active.Clear();
            }
            await Task.Yield(); // one step per work item: the node's other work runs between steps
        }
    }

    /// <summary>
    /// One round of <see cref="Generator"/>'s loop for every active stream: each stream whose cache
    /// holds its window samples a byte, and those that go on share one step; a stream whose window must
    /// be loaded (a new one, or one whose window was just cut at the context) loads it in the same fork
    /// and join as the step, on a core of its own, and samples in the next round. Which round a stream
    /// samples in never changes its bytes: only its own logits and its own random draws do.
    /// </summary>
    private void Step(List<KvCache> caches, List<Stream> stepping, List<byte> tokens, List<Action<bool>> loading)
    {
        const int v = GptConfig.VocabularySize;
        int context = _model.Config.Context, keep = context / 2;
        caches.Clear();
        stepping.Clear();
        tokens.Clear();
        loading.Clear();
        for (int i = 0; i < _active.Count; i++)
        {
            var s = _active[i];
            if (s.IsCancelled)
            {
                s.Output.Writer.TryComplete(new OperationCanceledException(s.Cancellation));
                _active.RemoveAt(i--);
                continue;
            }
            if (s.Stale)
            {
                loading.Add(s.Load);
                continue;
            }
            byte next = Sampler.Next(s.Logits, s.Options, s.Random);
            if (s.Options.StopByte == next)
            {
                s.Output.Writer.TryComplete();
                _active.RemoveAt(i--);
                continue;
            }
            s.Output.Writer.TryWrite(next);
            if (++s.Produced == s.Count)
            {
                s.Output.Writer.TryComplete();
                _active.RemoveAt(i--);
                continue;
            }
            if (s.Window.Count == context)
            {
                s.Window.RemoveRange(0, s.Window.Count - keep);
                s.Stale = true;
            }
            s.Window.Add(next);
            if (s.Stale)
            {
                loading.Add(s.Load);
                continue;
            }
            caches.Add(s.Cache);
            stepping.Add(s);
            tokens.Add(next);
        }
        LastStepSize = caches.Count;
        if (caches.Count == 0 && loading.Count == 0) return;
        var logits = _decoder.Step(caches, CollectionsMarshal.AsSpan(tokens), loading);
        for (int r = 0; r < stepping.Count; r++) logits.Slice(r * v, v).CopyTo(stepping[r].Logits);
    }

    /// <summary>One generation's state: <see cref="Generator"/>'s locals, kept between steps.</summary>
    private sealed class Stream
    {
        private volatile bool _abandoned;

        public Stream(GptModel model, ReadOnlySpan<byte> prompt, int count, SamplingOptions options, CancellationToken cancellation)
        {
            int context = model.Config.Context;
            Cache = new KvCache(model);
            Window = new List<byte>(prompt.Length == 0 ? [(byte)'\n'] : prompt.ToArray());
            if (Window.Count > context) Window.RemoveRange(0, Window.Count - context);
            Count = count;
            Options = options;
            Random = new Random(options.Seed);
            Cancellation = cancellation;
            Load = LoadWindow;
        }

        /// <summary><see cref="LoadWindow"/>, as the work item a step runs beside its lanes (one delegate per stream).</summary>
        public Action<bool> Load { get; }

        /// <summary>
        /// Loads the window into the cache and keeps the logits for the byte after it: on every core
        /// when it runs alone, else on its own thread (the step's lanes have the other cores).
        /// </summary>
        private void LoadWindow(bool alone)
        {
            Cache.Clear();
            var window = CollectionsMarshal.AsSpan(Window);
            (alone ? Cache.Append(window) : Cache.AppendSerial(window)).CopyTo(Logits);
            Stale = false;
        }

        public List<byte> Window { get; }
        public int Count { get; }
        public SamplingOptions Options { get; }
        public Random Random { get; }
        public CancellationToken Cancellation { get; }
        public KvCache Cache { get; }
        public float[] Logits { get; } = new float[GptConfig.VocabularySize];
        public bool Stale { get; set; } = true; // the cache does not hold the window yet
        public int Produced { get; set; }

        // Bytes flow from the loop to the one reader; unbounded because a stream produces at most Count.
        public Channel<byte> Output { get; } = Channel.CreateUnbounded<byte>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public bool IsCancelled => _abandoned || Cancellation.IsCancellationRequested;

        public void Abandon() => _abandoned = true;
    }
}
