using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Tracing;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// The store across the grid, as one node's <see cref="StoreModule"/> runs it: puts placed on
/// the nodes <see cref="StorePlacement"/> ranks first, gets served from this node's disk or
/// from the others in rank order, and a missing or corrupt local copy repaired on the way.
/// </summary>
/// <remarks>
/// Nodes talk through the store's internal prefixes, each served locally only:
/// <c>store/replica/put/&lt;bytes&gt;</c> (store here, answer the CID once durable),
/// <c>store/replica/get/&lt;cid&gt;</c> (this node's verified copy, or NoRoute) and
/// <c>store/replica/has/&lt;cid&gt;</c>. The requests go straight to the chosen node's store actor
/// (its route's provider), not through the router, and carry this node's own capability, so
/// they pass when nodes enforce capabilities (PG_TRUST).
/// Safe to use from any thread: it holds no mutable state but an id counter.
/// </remarks>
internal sealed class ReplicatedStore(BlobStore blobs, StoreSettings settings, IGridRuntime grid, Address self, ILoggingAdapter log)
{
    private long _nextId;

    public BlobStore Blobs => blobs;

    // ---- store/put/ ----

    /// <summary>Stores the blob on <c>replication-factor</c> nodes and answers its CID once they all have it on disk.</summary>
    public async Task<Sequence> PutAsync(Sequence blob, DateTimeOffset deadline, CancellationToken cancellation)
    {
        var cid = Cid.Of(blob.Span);
        var nodes = StoreNodes(StoreModule.ReplicaPutPrefix, cid);
        var wanted = Math.Min(settings.ReplicationFactor, nodes.Count);
        // The replication as one span (null when tracing is off): the copies' grid calls are its children.
        using var span = GridActivitySources.StoreSource.StartActivity("store replicate", ActivityKind.Internal);
        span?.SetTag("promisegrid.store.cid", cid.ToString()).SetTag("promisegrid.store.copies_wanted", wanted);
        Sequence? replicaRequest = null; // built once, for the first copy that goes to another node
        var running = new List<Task<CopyAttempt>>(wanted);
        var failures = new List<CopyAttempt>();
        var holders = new List<Address>(wanted);
        var next = 0;
        while (running.Count < wanted && next < nodes.Count) running.Add(CopyTo(nodes[next++]));
        // Each failed copy is replaced by one on the next-ranked node, so at most `wanted` run at once.
        while (running.Count > 0)
        {
            var done = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(done);
            var attempt = await done.ConfigureAwait(false);
            if (attempt.Durable)
            {
                holders.Add(attempt.Node);
                continue;
            }
            failures.Add(attempt);
            if (log.IsDebugEnabled) log.Debug("store copy failed cid={0} node={1} reason={2}", cid, attempt.Node, attempt.Failure);
            if (next < nodes.Count) running.Add(CopyTo(nodes[next++]));
        }
        span?.SetTag("promisegrid.store.copies", holders.Count);
        if (holders.Count == wanted)
        {
            if (log.IsDebugEnabled) log.Debug("store put cid={0} bytes={1} holders={2}", cid, blob.Length, string.Join(",", holders));
            return new Sequence(cid.ToAscii());
        }

        var reason = $"stored {holders.Count} of {wanted} copies of {cid} (replication-factor {settings.ReplicationFactor}, " +
                     $"{nodes.Count} store node{(nodes.Count == 1 ? "" : "s")}): " +
                     string.Join("; ", failures.Select(f => $"{f.Node}: {f.Failure}"));
        log.Warning("store put failed cid={0} copies={1} wanted={2} reason={3}{4}", cid, holders.Count, wanted, reason, Spans.LogPairs(span));
        span?.SetStatus(ActivityStatusCode.Error, reason);
        // Lack of room or of answering nodes is the grid's capacity (try later, or elsewhere);
        // a store that cannot write at all is a fault of that node.
        var status = failures.All(f => f.CapacityShortfall) ? CompletionStatus.Overloaded : CompletionStatus.ModuleFailed;
        throw new CompletionRefusedException(status, reason);

        Task<CopyAttempt> CopyTo(StoreNode node)
        {
            if (node.Provider is null) return Task.Run(() => CopyHere(cid, blob, cancellation), cancellation);
            replicaRequest ??= Sequence.FromText(StoreModule.ReplicaPutPrefix).Concat(blob);
            return CopyThere(node, cid, replicaRequest.Value, deadline, cancellation);
        }
    }

    private CopyAttempt CopyHere(Cid cid, Sequence blob, CancellationToken cancellation)
    {
        try
        {
            blobs.Write(cid, blob.Span, cancellation);
            return CopyAttempt.Done(self);
        }
        catch (StoreWriteException error)
        {
            return CopyAttempt.Failed(self, error.Message, error.DiskFull);
        }
    }

    private async Task<CopyAttempt> CopyThere(StoreNode node, Cid cid, Sequence request, DateTimeOffset deadline, CancellationToken cancellation)
    {
        var (answer, failure) = await AskAsync(node, request, settings.WriteTimeout, deadline, cancellation).ConfigureAwait(false);
        if (answer is null) return CopyAttempt.Failed(node.Node, failure!, capacityShortfall: true);
        if (answer.IsCompleted)
        {
            return answer.Bytes.Span.SequenceEqual(cid.ToAscii())
                ? CopyAttempt.Done(node.Node)
                : CopyAttempt.Failed(node.Node, $"answered '{answer.Bytes.ToString(80)}' instead of the CID", capacityShortfall: false);
        }
        var capacity = answer.Status is CompletionStatus.Overloaded or CompletionStatus.BrokenPromise;
        return CopyAttempt.Failed(node.Node, $"{answer.Status}: {answer.Reason}", capacity);
    }

    // ---- store/get/ ----

    /// <summary>
    /// The blob's bytes, verified: this node's copy, else the first other node (in rank order)
    /// whose bytes match the CID. A corrupt local copy, or a missing one on a holder, is
    /// rewritten from what was found.
    /// </summary>
    public async Task<Sequence> GetAsync(Cid cid, DateTimeOffset deadline, CancellationToken cancellation)
    {
        var local = blobs.Read(cid);
        if (local.IsFound) return new Sequence(local.Bytes);
        if (local.State == LocalBlobState.Corrupt)
            log.Warning("store copy corrupt cid={0} path={1} fault={2}", cid, blobs.PathOf(cid), local.Fault);

        var nodes = StoreNodes(StoreModule.ReplicaGetPrefix, cid);
        var isHolder = nodes.Take(settings.ReplicationFactor).Any(n => n.Provider is null);
        var request = Sequence.FromText(StoreModule.ReplicaGetPrefix).Concat(new Sequence(cid.ToAscii()));
        foreach (var node in nodes)
        {
            if (node.Provider is null) continue;
            var (answer, failure) = await AskAsync(node, request, settings.ReadTimeout, deadline, cancellation).ConfigureAwait(false);
            if (answer is null || !answer.IsCompleted)
            {
                if (log.IsDebugEnabled) log.Debug("store replica missed cid={0} from={1} reason={2}", cid, node.Node, failure ?? $"{answer!.Status}: {answer.Reason}");
                continue;
            }
            if (!cid.Matches(answer.Bytes.Span))
            {
                log.Warning("store replica refused cid={0} from={1} reason=its {2} bytes do not hash to the CID", cid, node.Node, answer.Bytes.Length);
                continue;
            }
            if (local.State == LocalBlobState.Corrupt || isHolder)
                Repair(cid, answer.Bytes, local.State == LocalBlobState.Corrupt ? "corrupt" : "missing", node.Node);
            return answer.Bytes;
        }
        throw new CompletionRefusedException(CompletionStatus.NoRoute, $"no blob with CID {cid} on any holder");
    }

    private void Repair(Cid cid, Sequence bytes, string reason, Address from)
    {
        try
        {
            blobs.Write(cid, bytes.Span);
            log.Warning("store repaired cid={0} reason={1} from={2}", cid, reason, from);
        }
        catch (StoreWriteException error)
        {
            log.Warning("store repair failed cid={0} reason={1} from={2} error={3}", cid, reason, from, error.Message);
        }
    }

    // ---- store/has/ ----

    /// <summary>True when this node or another store node holds a verified copy.</summary>
    public async Task<bool> HasAsync(Cid cid, DateTimeOffset deadline, CancellationToken cancellation)
    {
        if (blobs.Read(cid).IsFound) return true;
        var request = Sequence.FromText(StoreModule.ReplicaHasPrefix).Concat(new Sequence(cid.ToAscii()));
        foreach (var node in StoreNodes(StoreModule.ReplicaHasPrefix, cid))
        {
            if (node.Provider is null) continue;
            var (answer, _) = await AskAsync(node, request, settings.ReadTimeout, deadline, cancellation).ConfigureAwait(false);
            if (answer is { IsCompleted: true } && answer.Bytes.Span.SequenceEqual(StoreModule.True.Span)) return true;
        }
        return false;
    }

    // ---- between nodes ----

    /// <summary>This node and every reachable node serving <paramref name="prefix"/>, best first for <paramref name="cid"/>; this node's provider is null.</summary>
    private List<StoreNode> StoreNodes(string prefix, Cid cid)
    {
        var providers = new Dictionary<Address, IActorRef?> { [self] = null };
        foreach (var route in grid.Routes.Snapshot.ValuesOf(Encoding.ASCII.GetBytes(prefix)))
            providers.TryAdd(route.Node, route.Provider);
        return StorePlacement.Rank(cid, providers.Keys).Select(node => new StoreNode(node, providers[node])).ToList();
    }

    /// <summary>Asks one node's store; null and the reason when it did not answer in time.</summary>
    private async Task<(Completion? Answer, string? Failure)> AskAsync(
        StoreNode node, Sequence request, TimeSpan perNode, DateTimeOffset deadline, CancellationToken cancellation)
    {
        var left = deadline - DateTimeOffset.UtcNow;
        var budget = left < perNode ? left : perNode;
        if (budget <= TimeSpan.Zero) throw new OperationCanceledException("the request's deadline has passed", cancellation);
        return await AskAsync(node.Provider!, request, budget, cancellation).ConfigureAwait(false);
    }

    /// <summary>Asks one node's store actor with this node's own capability; null and the reason when it did not answer within <paramref name="budget"/>.</summary>
    internal async Task<(Completion? Answer, string? Failure)> AskAsync(IActorRef provider, Sequence request, TimeSpan budget, CancellationToken cancellation)
    {
        var complete = new Complete(Interlocked.Increment(ref _nextId), request,
            DateTimeOffset.UtcNow.Add(budget).ToUnixTimeMilliseconds(), grid.Security.OwnCapabilityFor(request));
        try
        {
            return (await provider.Ask<Completion>(complete, budget, cancellation).ConfigureAwait(false), null);
        }
        catch (AskTimeoutException)
        {
            return (null, $"no answer within {budget.TotalSeconds:0.###}s");
        }
    }

    private sealed record StoreNode(Address Node, IActorRef? Provider);

    private sealed record CopyAttempt(Address Node, bool Durable, string? Failure, bool CapacityShortfall)
    {
        public static CopyAttempt Done(Address node) => new(node, true, null, false);
        public static CopyAttempt Failed(Address node, string failure, bool capacityShortfall) => new(node, false, failure, capacityShortfall);
    }
}
