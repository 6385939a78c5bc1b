using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules.Gpt;

/// <summary>The gpt/ module's settings, read from <c>promisegrid.gpt</c> (see the embedded gpt.conf).</summary>
/// <param name="ModelPath">Absolute path of the model checkpoint (safetensors).</param>
/// <param name="DefaultBytes">Bytes generated when a request names no <c>n=</c>.</param>
/// <param name="MaxBytes">Largest <c>n=</c> a request may ask for.</param>
/// <param name="Concurrency">Generations run at the same time (with <paramref name="Batching"/>, the largest batch).</param>
/// <param name="MaxQueued">Requests that may wait for a generation slot; one more is Overloaded.</param>
/// <param name="Fallback">Whether the module also serves the empty prefix: every sequence no other module serves is completed by the model.</param>
/// <param name="FallbackOptions">How such sequences are completed, in the options grammar of <c>gpt/</c> requests
/// (<c>n=64,t=0,k=40,s=0,stop=0a</c>, see <see cref="GptRequest"/>); empty: the defaults of a <c>gpt/</c> request.</param>
/// <param name="Batching">Whether concurrent generations share each decoding step (<see cref="global::PromiseGrid.Gpt.Model.BatchedGenerator"/>)
/// instead of each running alone (<see cref="global::PromiseGrid.Gpt.Model.Generator"/>). On by default: 16 streams batched on
/// 2 cores serve more bytes per second and per CPU-second than 16 separate ones, and one stream as fast (README, Performance &gt; The GPT).</param>
public sealed record GptSettings(string ModelPath, int DefaultBytes, int MaxBytes, int Concurrency, int MaxQueued,
    bool Fallback = false, string FallbackOptions = "", bool Batching = true)
{
    private const string ReferenceResource = "PromiseGrid.Modules.Gpt.gpt.conf";

    /// <summary>The data folder when the node names none (the node's own default, config/node.conf).</summary>
    private const string DefaultDataFolder = "./data";

    /// <summary>Where the model is when neither <c>promisegrid.gpt.model</c> nor PG_GPT_MODEL names one, under the data folder.</summary>
    public static readonly string DefaultModelFile = Path.Combine("gpt", "model.safetensors");

    /// <summary>
    /// Batched streams per core when <c>concurrency = 0</c> and batching is on: a step over 8 rows per core reads each
    /// weight once for 8 bytes, while a stream's own step time grows only slowly with the batch.
    /// </summary>
    public const int StreamsPerCore = 8;

    /// <summary>The embedded gpt.conf: the documented default of every key.</summary>
    public static Config DefaultConfig() =>
        ConfigurationFactory.FromResource(ReferenceResource, typeof(GptSettings).Assembly);

    /// <summary>
    /// Reads <c>promisegrid.gpt.*</c> from <paramref name="config"/> over gpt.conf; an empty
    /// <c>model</c> means <c>gpt/model.safetensors</c> under <c>promisegrid.node.data</c> (PG_DATA);
    /// <c>concurrency = 0</c> means one generation per processor core, or <see cref="StreamsPerCore"/>
    /// per core with batching on.
    /// </summary>
    /// <exception cref="ConfigurationException">A setting is out of range.</exception>
    public static GptSettings Create(Config config)
    {
        var merged = config.WithFallback(DefaultConfig());
        var gpt = merged.GetConfig("promisegrid.gpt");
        var model = gpt.GetString("model", "").Trim();
        if (model.Length == 0)
        {
            var data = merged.GetString("promisegrid.node.data", "").Trim();
            model = Path.Combine(data.Length == 0 ? DefaultDataFolder : data, DefaultModelFile);
        }
        var concurrency = gpt.GetInt("concurrency");
        var batching = Switch(gpt, "batching", "PG_GPT_BATCHING");
        var settings = new GptSettings(
            Path.GetFullPath(model),
            gpt.GetInt("default-bytes"),
            gpt.GetInt("max-bytes"),
            concurrency == 0 ? (batching ? StreamsPerCore : 1) * Environment.ProcessorCount : concurrency,
            gpt.GetInt("max-queued"),
            Switch(gpt, "fallback", "PG_GPT_FALLBACK"),
            gpt.GetString("fallback-options", "").Trim(),
            batching);
        settings.Validate();
        return settings;
    }

    private static bool Switch(Config gpt, string key, string variable)
    {
        var text = gpt.GetString(key, "off").Trim();
        return text.ToLowerInvariant() switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw new ConfigurationException($"promisegrid.gpt.{key} ({variable}) must be on or off, got '{text}'"),
        };
    }

    /// <summary>Throws <see cref="ConfigurationException"/> naming the first setting out of range.</summary>
    public GptSettings Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath)) throw new ConfigurationException("promisegrid.gpt.model must name a file");
        if (MaxBytes < 1) throw new ConfigurationException("promisegrid.gpt.max-bytes must be at least 1");
        if (DefaultBytes < 1 || DefaultBytes > MaxBytes)
            throw new ConfigurationException($"promisegrid.gpt.default-bytes must be from 1 to max-bytes ({MaxBytes}), got {DefaultBytes}");
        if (Concurrency < 1) throw new ConfigurationException("promisegrid.gpt.concurrency must be at least 1 (or 0: one per core, 8 per core with batching on)");
        if (MaxQueued < 0) throw new ConfigurationException("promisegrid.gpt.max-queued must not be negative");
        _ = FallbackRequest();
        return this;
    }

    /// <summary>
    /// What a fallback completion asks of the model: <see cref="FallbackOptions"/> parsed as a
    /// <c>gpt/</c> request's options, with an empty prompt (the module puts the whole sequence there).
    /// </summary>
    /// <exception cref="ConfigurationException">The options do not parse or are out of range, with the reason.</exception>
    internal GptRequest FallbackRequest()
    {
        if (FallbackOptions.Length == 0) return GptRequest.Parse(Sequence.Empty, DefaultBytes, MaxBytes);
        var options = Sequence.FromUtf8(FallbackOptions + "/");
        if (!GptRequest.StartsWithOption(options.Span))
            throw new ConfigurationException($"promisegrid.gpt.fallback-options (PG_GPT_FALLBACK_OPTIONS): '{FallbackOptions}' " +
                $"is not a list of options like n=64,t=0,k=40,s=0,stop=0a (keys: {string.Join(", ", GptRequest.Keys)})");
        try
        {
            return GptRequest.Parse(options, DefaultBytes, MaxBytes);
        }
        catch (CompletionRefusedException error)
        {
            throw new ConfigurationException($"promisegrid.gpt.fallback-options (PG_GPT_FALLBACK_OPTIONS): {error.Message}");
        }
    }
}
