using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.DistributedData.Durable;
using Akka.Event;
using Akka.Serialization;

namespace PromiseGrid.Kernel.Storage;

/// <summary>
/// DData's durable store (<c>akka.cluster.distributed-data.durable.store-actor-class</c>) kept as one
/// file per durable key: the replicator's <see cref="DurableDataEnvelope"/>, serialized by DData's
/// own serializer, written whole to a temp file, fsynced, renamed over the key's file and the
/// folder fsynced. A key's file is therefore always one whole value, whatever moment the process
/// stops. It implements the protocol of Akka.DistributedData.Durable (LoadAll, LoadData,
/// LoadAllCompleted, Store), the same one Akka.DistributedData.LightningDB implements.
/// </summary>
/// <remarks>
/// <para>Why not Akka.DistributedData.LightningDB: its 1.5.75 build needs LightningDB 0.16.0, which
/// the package registry no longer offers; with the oldest version it does offer (0.23.1) it fails
/// at load with MissingMethodException (LightningExtensions.AsEnumerable changed), and that
/// version's own liblmdb.so for linux-x64 needs glibc 2.38, newer than the Debian image's.</para>
/// <para>Keys in <c>files.write-behind-keys</c> are written at most once per
/// <c>files.write-behind-interval</c> (the last value wins) and acknowledged at once: for data
/// written on every request (holder nonces), where a crash may lose the last interval. Every
/// other key is on disk before its write is acknowledged. Pending values are written when the
/// store stops.</para>
/// </remarks>
internal sealed class FileDurableStore : ReceiveActor, IWithTimers
{
    private const string Suffix = ".ddata";
    private const string TempSuffix = ".tmp";

    private sealed class WriteBehind
    {
        public static readonly WriteBehind Instance = new();
    }

    private readonly string _dir;
    private readonly ImmutableHashSet<string> _writeBehindKeys;
    private readonly TimeSpan _writeBehindInterval;
    private readonly SerializerWithStringManifest _serializer;
    private readonly string _manifest;
    private readonly Dictionary<string, DurableDataEnvelope> _pending = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="config">The <c>akka.cluster.distributed-data.durable</c> block (DData passes it).</param>
    public FileDurableStore(Config config)
    {
        var files = config.GetConfig("files");
        var dir = files?.GetString("dir", "")?.Trim() ?? "";
        if (dir.Length == 0)
            throw new ConfigurationException("akka.cluster.distributed-data.durable.files.dir must name the folder for durable keys");
        _dir = Path.GetFullPath(dir);
        _writeBehindKeys = (files!.GetStringList("write-behind-keys") ?? []).ToImmutableHashSet(StringComparer.Ordinal);
        _writeBehindInterval = files.GetTimeSpan("write-behind-interval", TimeSpan.FromSeconds(1));
        if (_writeBehindKeys.Count > 0 && _writeBehindInterval <= TimeSpan.Zero)
            throw new ConfigurationException("akka.cluster.distributed-data.durable.files.write-behind-interval must be positive");
        _serializer = (SerializerWithStringManifest)Context.System.Serialization.FindSerializerForType(typeof(DurableDataEnvelope));
        _manifest = _serializer.Manifest(new DurableDataEnvelope(GCounter.Empty));
        Receive<LoadAll>(_ => Load());
    }

    public static Props Props(Config config) => Akka.Actor.Props.Create(() => new FileDurableStore(config));

    private void Load()
    {
        var data = ImmutableDictionary.CreateBuilder<string, DurableDataEnvelope>(StringComparer.Ordinal);
        try
        {
            Directory.CreateDirectory(_dir);
            foreach (var temp in Directory.EnumerateFiles(_dir, "*" + TempSuffix))
                File.Delete(temp); // a write the process did not finish: its key's file still holds the previous value
            foreach (var file in Directory.EnumerateFiles(_dir, "*" + Suffix))
            {
                var key = Uri.UnescapeDataString(Path.GetFileName(file)[..^Suffix.Length]);
                data[key] = (DurableDataEnvelope)_serializer.FromBinary(File.ReadAllBytes(file), _manifest);
            }
        }
        catch (Exception error)
        {
            // The replicator stops on this, so nothing is served from a partial state.
            throw new LoadFailedException($"cannot load durable distributed data from '{_dir}': {error.Message}", error);
        }
        if (data.Count > 0) Sender.Tell(new LoadData(data.ToImmutable()));
        Sender.Tell(LoadAllCompleted.Instance);
        _log.Info("durable data loaded folder={0} keys={1}", _dir, data.Count);
        Become(Active);
    }

    private void Active()
    {
        Receive<Store>(store =>
        {
            try
            {
                if (_writeBehindKeys.Contains(store.Key))
                {
                    if (_pending.Count == 0) Timers.StartSingleTimer("write-behind", WriteBehind.Instance, _writeBehindInterval);
                    _pending[store.Key] = store.Data;
                }
                else
                {
                    Write(store.Key, store.Data);
                }
                store.Reply?.ReplyTo.Tell(store.Reply.SuccessMessage);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                _log.Error(error, "durable data not written key={0} folder={1}", store.Key, _dir);
                store.Reply?.ReplyTo.Tell(store.Reply.FailureMessage);
            }
        });
        Receive<WriteBehind>(_ => FlushPending());
    }

    protected override void PostStop()
    {
        FlushPending();
        base.PostStop();
    }

    private void FlushPending()
    {
        foreach (var (key, data) in _pending)
        {
            try
            {
                Write(key, data);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                _log.Error(error, "durable data not written key={0} folder={1}", key, _dir);
            }
        }
        _pending.Clear();
    }

    private void Write(string key, DurableDataEnvelope data)
    {
        var file = Path.Combine(_dir, Uri.EscapeDataString(key) + Suffix);
        var temp = file + TempSuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(_serializer.ToBinary(data));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, file, overwrite: true);
        DirectoryFlush.Flush(_dir);
    }
}
