using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// <c>store/</c>: content-addressed blobs, durable on disk and replicated across the grid
/// (docs/architecture.md#the-store, README "The store").
/// <list type="bullet">
/// <item><c>store/put/&lt;bytes&gt;</c> completes with the blob's CID as ASCII text (<c>bafkrei...</c>)
/// once <c>replication-factor</c> nodes have it on disk; a blob over <c>max-blob-bytes</c> is TooLarge.</item>
/// <item><c>store/get/&lt;cid&gt;</c> completes with the bytes, verified against the CID. A pure route
/// (same CID, same bytes), so the kernel may cache it. A malformed CID, or one with another
/// codec or hash, is BadRequest; a CID no store node holds is NoRoute.</item>
/// <item><c>store/has/&lt;cid&gt;</c> completes with <c>true</c> or <c>false</c>: whether this node or
/// another store node holds a verified copy.</item>
/// </list>
/// Placement: <see cref="StorePlacement"/>; the nodes' own traffic: <see cref="ReplicatedStore"/>;
/// the files: <see cref="BlobStore"/>; settings: store.conf (<c>promisegrid.store</c>).
/// </summary>
/// <remarks>
/// Disk I/O and the waits on other nodes run on the thread pool, never on the actor's thread;
/// the module keeps no mutable state, so its asynchronous completions share nothing with it.
/// Copies lost with a node are re-made, and copies handed over to a joining node, by the
/// repair (<see cref="StoreRepair"/>, run by the child <see cref="StoreRepairActor"/>); a get on
/// a holder that lacks its copy also re-makes it at once (read repair).
/// </remarks>
public sealed class StoreModule : ModuleActor
{
    public const string PutPrefix = "store/put/";
    public const string GetPrefix = "store/get/";
    public const string HasPrefix = "store/has/";

    /// <summary>Internal: store the blob on this node only; completes with its CID once durable.</summary>
    public const string ReplicaPutPrefix = "store/replica/put/";

    /// <summary>Internal: this node's verified copy, or NoRoute.</summary>
    public const string ReplicaGetPrefix = "store/replica/get/";

    /// <summary>Internal: whether this node holds a verified copy.</summary>
    public const string ReplicaHasPrefix = "store/replica/has/";

    /// <summary>Internal: the repair's bucket digests of another node; answers this node's CIDs of the buckets that differ.</summary>
    public const string ReplicaBucketsPrefix = "store/replica/buckets/";

    internal static readonly Sequence True = Sequence.FromText("true");
    internal static readonly Sequence False = Sequence.FromText("false");

    private static readonly Sequence Put = Sequence.FromText(PutPrefix);
    private static readonly Sequence Get = Sequence.FromText(GetPrefix);
    private static readonly Sequence Has = Sequence.FromText(HasPrefix);
    private static readonly Sequence ReplicaPut = Sequence.FromText(ReplicaPutPrefix);
    private static readonly Sequence ReplicaGet = Sequence.FromText(ReplicaGetPrefix);
    private static readonly Sequence ReplicaBuckets = Sequence.FromText(ReplicaBucketsPrefix);

    private readonly StoreSettings _settings;
    private readonly ReplicatedStore _store;
    private readonly StoreRepair _repair;

    public StoreModule() : this(null)
    {
    }

    /// <param name="settings">Null: read from the actor system's config (<c>promisegrid.store</c>).</param>
    public StoreModule(StoreSettings? settings)
        : base("store", PutPrefix, GetPrefix, HasPrefix, ReplicaPutPrefix, ReplicaGetPrefix, ReplicaHasPrefix, ReplicaBucketsPrefix)
    {
        _settings = settings ?? StoreSettings.Create(Context.System.Settings.Config);
        var self = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        var runtime = Kernel.Client.Grid.GetRuntime(Context.System);
        _store = new ReplicatedStore(new BlobStore(_settings.Folder), _settings, runtime, self, Log);
        _repair = new StoreRepair(_store, _settings, self, runtime, Log);
    }

    /// <summary>The store with the settings of the actor system's config.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new StoreModule(null));

    public static Props Props(StoreSettings settings) => Akka.Actor.Props.Create(() => new StoreModule(settings));

    public StoreSettings Settings => _settings;

    /// <summary>Only <c>store/get/</c>: a CID names its bytes forever. Puts and has change with the store.</summary>
    protected override bool IsPure(Sequence prefix) => prefix == Get;

    protected override void PreStart()
    {
        try
        {
            var removed = _store.Blobs.Open();
            Log.Info("store opened folder={0} replication_factor={1} max_blob_bytes={2} temp_files_removed={3}",
                _settings.Folder, _settings.ReplicationFactor, _settings.MaxBlobBytes, removed);
        }
        catch (StoreWriteException error)
        {
            // Still serve: gets are answered from other nodes, and each put says why it fails.
            Log.Error("store folder unusable folder={0} reason={1}", _settings.Folder, error.Message);
        }
        if (ReplicaPutPrefix.Length + (long)_settings.MaxBlobBytes > Grid.Settings.MaxSequenceBytes)
            Log.Warning("store max_blob_bytes={0} does not fit a replica copy within max_sequence_bytes={1}: " +
                "puts of the largest blobs cannot reach other nodes; lower promisegrid.store.max-blob-bytes", _settings.MaxBlobBytes, Grid.Settings.MaxSequenceBytes);
        Context.ActorOf(StoreRepairActor.Props(_repair, _settings.Repair, Kernel.Client.Grid.GetRuntime(Context.System)), "repair");
        base.PreStart();
    }

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var prefix = request.Prefix;
        var rest = request.Rest;
        var deadline = request.Deadline;
        if (prefix == Put || prefix == ReplicaPut)
        {
            CheckSize(rest);
            var cancellation = request.Cancellation;
            return prefix == Put
                ? new(Task.Run(() => _store.PutAsync(rest, deadline, cancellation), cancellation))
                : new(Task.Run(() => PutHere(rest, cancellation), cancellation));
        }
        if (prefix == ReplicaBuckets) return new(Task.Run(() => _repair.AnswerBuckets(rest)));
        var cid = ParseCid(rest);
        if (prefix == Get)
        {
            var cancellation = request.Cancellation;
            return new(Task.Run(() => _store.GetAsync(cid, deadline, cancellation), cancellation));
        }
        if (prefix == Has)
        {
            var cancellation = request.Cancellation;
            return new(Task.Run(async () => await _store.HasAsync(cid, deadline, cancellation).ConfigureAwait(false) ? True : False, cancellation));
        }
        return prefix == ReplicaGet
            ? new(Task.Run(() => GetHere(cid)))
            : new(Task.Run(() => _store.Blobs.Read(cid).IsFound ? True : False));
    }

    /// <summary>store/replica/put/: this node's copy only, durable before the answer.</summary>
    private Sequence PutHere(Sequence blob, CancellationToken cancellation)
    {
        var cid = Cid.Of(blob.Span);
        try
        {
            _store.Blobs.Write(cid, blob.Span, cancellation);
        }
        catch (StoreWriteException error)
        {
            Log.Warning("store copy failed cid={0} reason={1}", cid, error.Message);
            throw new CompletionRefusedException(error.DiskFull ? CompletionStatus.Overloaded : CompletionStatus.ModuleFailed, error.Message);
        }
        return new Sequence(cid.ToAscii());
    }

    /// <summary>store/replica/get/: this node's verified copy. A corrupt one is not served; the asking node tries the next.</summary>
    private Sequence GetHere(Cid cid)
    {
        var local = _store.Blobs.Read(cid);
        if (local.IsFound) return new Sequence(local.Bytes);
        if (local.State == LocalBlobState.Corrupt)
        {
            Log.Warning("store copy corrupt cid={0} path={1} fault={2}", cid, _store.Blobs.PathOf(cid), local.Fault);
            throw new CompletionRefusedException(CompletionStatus.NoRoute, $"this node's copy of {cid} is corrupt");
        }
        throw new CompletionRefusedException(CompletionStatus.NoRoute, $"no blob with CID {cid} on this node");
    }

    private void CheckSize(Sequence blob)
    {
        if (blob.Length > _settings.MaxBlobBytes)
            throw new CompletionRefusedException(CompletionStatus.TooLarge,
                $"blob of {blob.Length} bytes is over the store's limit of {_settings.MaxBlobBytes} bytes (promisegrid.store.max-blob-bytes)");
    }

    private static Cid ParseCid(Sequence text)
    {
        try
        {
            return Cid.Parse(text.Span);
        }
        catch (CidFormatException error)
        {
            throw new CompletionRefusedException(CompletionStatus.BadRequest, error.Message);
        }
    }
}
