using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Modules.Gpt;

/// <summary>
/// <c>gpt/</c>: completes a sequence with a byte-level GPT's continuation of it (README "Serve the GPT module on the grid").
/// <c>gpt/Once upon</c> continues "Once upon"; <c>gpt/n=64,t=0.8,k=40,s=7,stop=0a/Once upon</c>
/// says how (grammar and defaults: <see cref="GptRequest"/>). The model is a checkpoint file
/// (<see cref="GptSettings.ModelPath"/>, PG_GPT_MODEL, by default PG_DATA/gpt/model.safetensors).
/// </summary>
/// <remarks>
/// <para>Pure: the seed defaults to 0 rather than to something random, so the same sequence
/// always gets the same bytes from the same model, and the kernel may cache the completion.
/// Different samples of one prompt are asked for with different seeds (<c>s=1</c>, <c>s=2</c>...).
/// The cache is per node and in memory, and a node keeps the model it loaded until it restarts,
/// so a cached completion is always the loaded model's.</para>
/// <para>Generation is CPU-bound and never runs on the actor's thread. By default each generation
/// runs alone on the thread pool, one byte per work item (<see cref="Generator.GenerateAsync"/>), with
/// KV-cached inference. With <see cref="GptSettings.Batching"/> on, concurrent generations are batched
/// continuously (<see cref="BatchedGenerator"/>): every running stream's next byte is computed in one
/// shared step (one matrix product per weight over all the streams' rows, attention per stream
/// against its own KV cache), new ones join and finished ones leave between steps, and each stream
/// still gets the bytes it would get alone, so the completion stays pure. At most
/// <see cref="GptSettings.Concurrency"/> generations run at once; <see cref="GptSettings.MaxQueued"/>
/// more wait their turn, and beyond that a request is answered Overloaded (<see cref="GenerationGate"/>).
/// The request's deadline stops a waiting or running generation (BrokenPromise).</para>
/// <para>Sharing one <see cref="GptModel"/> between the streams is safe because inference only
/// reads the model's parameters; each stream has its own <see cref="KvCache"/>.</para>
/// <para>Streamed requests (the gateway's <c>Grid-Stream: 1</c>) get the bytes as they are generated
/// (<see cref="CompletionRequest.SendPart"/>): the first at once, then every 64 bytes or 50 ms.</para>
/// <para>With <see cref="GptSettings.Fallback"/> (PG_GPT_FALLBACK) the module also serves the
/// empty prefix: the router sends it every sequence for which no longer prefix is registered,
/// and the model continues the whole sequence with <see cref="GptSettings.FallbackOptions"/>
/// (README "Serve the GPT module on the grid"). Each such completion is logged as
/// <c>gpt fallback</c>.</para>
/// <para>The model is loaded off the actor's thread when the module starts; requests that come
/// before it is loaded wait for it. With no file at the path the node still starts: the module
/// logs a warning with the command that makes a model and answers ModuleFailed with that
/// reason; once a file appears there (or a file that could not be read changes), the next
/// request loads it.</para>
/// </remarks>
public sealed class GptModule : ModuleActor
{
    public const string Prefix = "gpt/";

    /// <summary>The command that makes a model, for the messages about a missing one.</summary>
    public const string TrainCommand = "pgrid gpt train --corpus FILE --out";

    /// <summary>A streamed completion is sent in parts of at most this many bytes...</summary>
    private const int PartBytes = 64;

    /// <summary>...or whatever has been generated after this long, whichever comes first.</summary>
    private const long PartIntervalMs = 50;

    private static readonly Sequence GptPrefix = Sequence.FromText(Prefix);

    private readonly GptSettings _settings;
    private readonly GenerationGate _gate;

    /// <summary>Count and sampling of fallback completions (the prompt is each request's whole sequence); null when the fallback is off.</summary>
    private readonly GptRequest? _fallback;

    // Cancelled when the module stops, so that generations still running give up their cores.
    private readonly CancellationTokenSource _stopping = new();

    // Replaced only on the actor's thread; the generations read the task they were handed.
    private Task<LoadedModel> _model = Task.FromResult(LoadedModel.NotLoaded);

    public GptModule() : this(null)
    {
    }

    /// <param name="settings">Null: read from the actor system's config (<c>promisegrid.gpt</c>).</param>
    public GptModule(GptSettings? settings)
        : base("gpt", PrefixesOf((settings ??= GptSettings.Create(Context.System.Settings.Config)).Validate()))
    {
        _settings = settings;
        _gate = new GenerationGate(_settings.Concurrency, _settings.MaxQueued);
        _fallback = settings.Fallback ? settings.FallbackRequest() : null;
    }

    /// <summary><c>gpt/</c>, and the empty prefix when the fallback is on.</summary>
    private static IEnumerable<Sequence> PrefixesOf(GptSettings settings) =>
        settings.Fallback ? [GptPrefix, Sequence.Empty] : [GptPrefix];

    /// <summary>The module with the settings of the actor system's config.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new GptModule(null));

    public static Props Props(GptSettings settings) => Akka.Actor.Props.Create(() => new GptModule(settings));

    public GptSettings Settings => _settings;

    /// <summary>Every request is deterministic (the seed defaults to 0), so the route is pure.</summary>
    protected override bool Pure => true;

    protected override void PreStart()
    {
        if (_fallback is not null)
            Log.Info("gpt fallback on: sequences no other module serves are completed by the model n={0} t={1} k={2} s={3} stop={4}",
                _fallback.Count, _fallback.Sampling.Temperature, _fallback.Sampling.TopK, _fallback.Sampling.Seed,
                _fallback.Sampling.StopByte is { } stop ? stop.ToString("x2") : "none");
        _model = Task.Run(Load);
        base.PreStart();
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        base.PostStop();
    }

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        GptRequest parsed;
        if (request.PrefixLength == 0 && _fallback is not null)
        {
            // Served only because nothing longer matched: the whole sequence is the prompt.
            parsed = _fallback with { Prompt = request.Sequence };
            Log.Info("gpt fallback completing id={0} sequence={1} n={2}", request.Id, request.Sequence.ToString(48), parsed.Count);
        }
        else
        {
            parsed = GptRequest.Parse(request.Rest, _settings.DefaultBytes, _settings.MaxBytes);
        }
        var model = CurrentModel();
        if (model.IsCompletedSuccessfully && model.Result.Generator is null)
            throw new CompletionRefusedException(CompletionStatus.ModuleFailed, model.Result.Problem!);
        if (!_gate.TryAdmit())
            throw new CompletionRefusedException(CompletionStatus.Overloaded,
                $"gpt/: {_gate.Concurrency} generations are running and {_gate.MaxQueued} waiting on this node " +
                "(promisegrid.gpt.concurrency, promisegrid.gpt.max-queued); try again later");
        var cancellation = request.Cancellation;
        // Kept only while the completion is pending, as SendPart allows; null when not streamed.
        var stream = request.IsStreamed ? request : null;
        // Not Task.Run(..., cancellation): a task cancelled before it starts would skip the gate's Leave.
        return new(Task.Run(() => GenerateAsync(model, parsed, stream, cancellation)));
    }

    /// <summary>
    /// The model, loading it again if the last attempt found no usable file and the file has
    /// changed since (a model trained after the node started is picked up without a restart).
    /// </summary>
    private Task<LoadedModel> CurrentModel()
    {
        if (_model.IsCompletedSuccessfully && _model.Result.Generator is null
            && File.GetLastWriteTimeUtc(_settings.ModelPath) != _model.Result.FileStamp)
            _model = Task.Run(Load);
        return _model;
    }

    /// <param name="stream">The request when its requester takes the completion piece by piece: the bytes go to it as they come.</param>
    private async Task<Sequence> GenerateAsync(Task<LoadedModel> loading, GptRequest request, CompletionRequest? stream, CancellationToken deadline)
    {
        try
        {
            var model = await loading.ConfigureAwait(false);
            var generator = model.Generator ?? throw new CompletionRefusedException(CompletionStatus.ModuleFailed, model.Problem!);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline, _stopping.Token);
            var cancellation = linked.Token;
            await _gate.WaitTurnAsync(cancellation).ConfigureAwait(false);
            try
            {
                var output = new byte[request.Count];
                var length = 0;
                var sent = 0;
                var lastSent = Environment.TickCount64;
                await foreach (var next in generator.GenerateAsync(request.Prompt.Memory, request.Count, request.Sampling, cancellation).ConfigureAwait(false))
                {
                    output[length++] = next;
                    // The first byte at once, then a part per PartBytes or PartInterval, whichever comes first:
                    // the reader sees text appear without a message per byte.
                    if (stream is not null && (sent == 0 || length - sent >= PartBytes || Environment.TickCount64 - lastSent >= PartIntervalMs))
                    {
                        stream.SendPart(new Sequence(output.AsMemory(sent, length - sent)));
                        sent = length;
                        lastSent = Environment.TickCount64;
                    }
                }
                return new Sequence(output.AsMemory(0, length));
            }
            finally
            {
                _gate.EndTurn();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !deadline.IsCancellationRequested)
        {
            throw new CompletionRefusedException(CompletionStatus.ModuleFailed, "gpt/: the module stopped before the generation ended");
        }
        finally
        {
            _gate.Leave();
        }
    }

    /// <summary>Reads the checkpoint (off the actor's thread); never throws: a missing or bad file is a state.</summary>
    private LoadedModel Load()
    {
        var path = _settings.ModelPath;
        var stamp = File.GetLastWriteTimeUtc(path);
        if (!File.Exists(path))
        {
            Log.Warning("gpt model missing path={0}: gpt/ requests are refused until it exists; make one with: {1} {2}",
                path, TrainCommand, path);
            return new LoadedModel(null, stamp,
                $"gpt/: no model on this node: {path} does not exist; make one with `{TrainCommand} {path}` " +
                "or point PG_GPT_MODEL (promisegrid.gpt.model) at one");
        }
        try
        {
            var model = GptCheckpoint.Load(path);
            var config = model.Config;
            Log.Info("gpt model loaded path={0} layers={1} dim={2} heads={3} context={4} params={5}",
                path, config.Layers, config.Dim, config.Heads, config.Context, config.ParameterCount);
            IByteGenerator generator = _settings.Batching
                ? new BatchedByteGenerator(new BatchedGenerator(model, _settings.Concurrency))
                : new AloneByteGenerator(new Generator(model));
            return new LoadedModel(generator, stamp, null);
        }
        catch (Exception error)
        {
            // CheckpointFormatException above all (truncated, corrupt, wrong shapes), but whatever
            // the read throws becomes this state, so that a later request can try again.
            Log.Error("gpt model unusable path={0} reason={1}", path, error.Message);
            return new LoadedModel(null, stamp, $"gpt/: the model on this node cannot be used: {error.Message}");
        }
    }

    /// <summary>The outcome of loading the model: a generator, or why there is none.</summary>
    /// <param name="FileStamp">The file's last write time when it was read (a far-past time when it did not exist).</param>
    private sealed record LoadedModel(IByteGenerator? Generator, DateTime FileStamp, string? Problem)
    {
        public static LoadedModel NotLoaded { get; } = new(null, DateTime.MinValue, "gpt/: the model is not loaded yet");
    }
}
