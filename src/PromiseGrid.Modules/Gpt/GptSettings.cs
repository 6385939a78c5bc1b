using Akka.Configuration;

namespace PromiseGrid.Modules.Gpt;

/// <summary>The gpt/ module's settings, read from <c>promisegrid.gpt</c> (see the embedded gpt.conf).</summary>
/// <param name="ModelPath">Absolute path of the model checkpoint (safetensors).</param>
/// <param name="DefaultBytes">Bytes generated when a request names no <c>n=</c>.</param>
/// <param name="MaxBytes">Largest <c>n=</c> a request may ask for.</param>
/// <param name="Concurrency">Generations run at the same time, sharing each decoding step (the largest batch).</param>
/// <param name="MaxQueued">Requests that may wait for a generation slot; one more is Overloaded.</param>
public sealed record GptSettings(string ModelPath, int DefaultBytes, int MaxBytes, int Concurrency, int MaxQueued)
{
    private const string ReferenceResource = "PromiseGrid.Modules.Gpt.gpt.conf";

    /// <summary>The data folder when the node names none (the node's own default, config/node.conf).</summary>
    private const string DefaultDataFolder = "./data";

    /// <summary>Where the model is when neither <c>promisegrid.gpt.model</c> nor PG_GPT_MODEL names one, under the data folder.</summary>
    public static readonly string DefaultModelFile = Path.Combine("gpt", "model.safetensors");

    /// <summary>
    /// Batched streams per core when <c>concurrency = 0</c>: a step over 8 rows per core reads each
    /// weight once for 8 bytes, while a stream's own step time grows only slowly with the batch.
    /// </summary>
    public const int StreamsPerCore = 8;

    /// <summary>The embedded gpt.conf: the documented default of every key.</summary>
    public static Config DefaultConfig() =>
        ConfigurationFactory.FromResource(ReferenceResource, typeof(GptSettings).Assembly);

    /// <summary>
    /// Reads <c>promisegrid.gpt.*</c> from <paramref name="config"/> over gpt.conf; an empty
    /// <c>model</c> means <c>gpt/model.safetensors</c> under <c>promisegrid.node.data</c> (PG_DATA);
    /// <c>concurrency = 0</c> means <see cref="StreamsPerCore"/> generations per processor core.
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
        var settings = new GptSettings(
            Path.GetFullPath(model),
            gpt.GetInt("default-bytes"),
            gpt.GetInt("max-bytes"),
            concurrency == 0 ? StreamsPerCore * Environment.ProcessorCount : concurrency,
            gpt.GetInt("max-queued"));
        settings.Validate();
        return settings;
    }

    /// <summary>Throws <see cref="ConfigurationException"/> naming the first setting out of range.</summary>
    public GptSettings Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath)) throw new ConfigurationException("promisegrid.gpt.model must name a file");
        if (MaxBytes < 1) throw new ConfigurationException("promisegrid.gpt.max-bytes must be at least 1");
        if (DefaultBytes < 1 || DefaultBytes > MaxBytes)
            throw new ConfigurationException($"promisegrid.gpt.default-bytes must be from 1 to max-bytes ({MaxBytes}), got {DefaultBytes}");
        if (Concurrency < 1) throw new ConfigurationException("promisegrid.gpt.concurrency must be at least 1 (or 0: 8 per core)");
        if (MaxQueued < 0) throw new ConfigurationException("promisegrid.gpt.max-queued must not be negative");
        return this;
    }
}
