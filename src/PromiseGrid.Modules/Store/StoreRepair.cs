using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// Restores the store's copies: one anti-entropy pass (<see cref="RunPassAsync"/>) and the
/// answer to another node's pass (<see cref="AnswerBuckets"/>). <see cref="StoreRepairActor"/>
/// decides when passes run.
/// </summary>
/// <remarks>
/// <para>A pass, on this node, with the store nodes of the route table (reachable ones) ranked
/// by <see cref="StorePlacement"/>: for each other store node P, the blobs this node holds
/// whose top <c>replication-factor</c> nodes include P are bucketed (<see cref="StoreBuckets"/>)
/// and their digests sent to P (<c>store/replica/buckets/</c>). P compares them with the same
/// buckets of its own blobs that both nodes should hold and lists its CIDs of the buckets that
/// differ; this node copies the blobs P lacks (<c>store/replica/put/</c>, which P verifies
/// against the CID). So each holder pushes what it holds; nobody pulls. When nothing changed,
/// the digests match and a pass costs one request per node.</para>
/// <para>A blob this node holds but no longer ranks for (a node joined) is dropped only once
/// every node that ranks for it answers <c>store/replica/has/</c> true (they read and verify
/// their copy). With fewer store nodes than the factor, every node ranks for every blob.</para>
/// <para>Thread-safe: passes and answers run on the thread pool, the cached view under a lock.</para>
/// </remarks>
internal sealed class StoreRepair(ReplicatedStore store, StoreSettings settings, Address self, IGridRuntime grid, ILoggingAdapter log)
{
    /// <summary>
    /// How long a pass waits for another node's bucket answer: longer than a read, since a node
    /// whose cached view is stale ranks its whole inventory first.
    /// </summary>
    private static readonly TimeSpan BucketsTimeout = TimeSpan.FromSeconds(30);

    private static readonly byte[] ReplicaPut = Encoding.ASCII.GetBytes(StoreModule.ReplicaPutPrefix);
    private static readonly byte[] ReplicaHas = Encoding.ASCII.GetBytes(StoreModule.ReplicaHasPrefix);
    private static readonly byte[] ReplicaBuckets = Encoding.ASCII.GetBytes(StoreModule.ReplicaBucketsPrefix);

    private readonly object _gate = new();
    private RepairView? _view;

    // The holders of each blob of the last view, reused while the node set stays the same, so a
    // store that takes puts ranks only its new blobs. Replaced, never changed once published.
    private Dictionary<Cid, Address[]> _holders = [];

    private BlobStore Blobs => store.Blobs;

    /// <summary>The store nodes the route table lists now (reachable ones and this node), with their store actors.</summary>
    public StoreMembers Members()
    {
        var routes = grid.Routes.Snapshot;
        Dictionary<Address, IActorRef> ProvidersOf(byte[] prefix)
        {
            var providers = new Dictionary<Address, IActorRef>();
            foreach (var route in routes.ValuesOf(prefix))
                if (route.Node != self) providers.TryAdd(route.Node, route.Provider);
            return providers;
        }
        var put = ProvidersOf(ReplicaPut);
        var nodes = put.Keys.Append(self).Distinct().OrderBy(n => n.ToString(), StringComparer.Ordinal).ToArray();
        return new StoreMembers(nodes, put, ProvidersOf(ReplicaHas), ProvidersOf(ReplicaBuckets));
    }

    /// <summary>One pass over this node's inventory; see the remarks on the class.</summary>
    public async Task<RepairOutcome> RunPassAsync(StoreMembers members, CancellationToken cancellation)
    {
        var view = ViewFor(members.Nodes, settings.ReplicationFactor, settings.Repair.Buckets);
        var outcome = new RepairCounters { Blobs = view.Count };
        var pushes = new List<(Cid Cid, Address Node, IActorRef Provider)>();
        foreach (var peer in members.Nodes)
        {
            if (peer == self || !view.HasOutbound(peer)) continue;
            if (!members.Buckets.TryGetValue(peer, out var bucketsProvider) || !members.Put.TryGetValue(peer, out var putProvider))
                continue; // a node of an earlier version: it gets copies from puts and gets only
            outcome.Peers++;
            var mine = view.OutboundBuckets(peer);
            var request = new BucketsRequest(self, members.Nodes, settings.ReplicationFactor, mine.Digests.ToArray());
            var (answer, failure) = await store.AskAsync(bucketsProvider,
                new Sequence(ReplicaBuckets).Concat(new Sequence(request.Encode())), BucketsTimeout, cancellation).ConfigureAwait(false);
            if (answer is not { IsCompleted: true })
            {
                outcome.Failed++;
                log.Warning("store repair could not compare with node={0} reason={1}", peer, failure ?? $"{answer!.Status}: {answer.Reason}");
                continue;
            }
            BucketsReply reply;
            try
            {
                reply = BucketsReply.Decode(answer.Bytes.Span);
            }
            catch (FormatException error)
            {
                outcome.Failed++;
                log.Warning("store repair could not compare with node={0} reason={1}", peer, error.Message);
                continue;
            }
            outcome.Buckets += mine.Count;
            outcome.DifferingBuckets += reply.Held.Count;
            if (reply.Truncated) outcome.LeftWork = true;
            foreach (var (bucket, theirs) in reply.Held)
            {
                if (bucket < 0 || bucket >= mine.Count) continue;
                var held = theirs.ToHashSet();
                foreach (var cid in mine[bucket])
                    if (!held.Contains(cid)) pushes.Add((cid, peer, putProvider));
            }
        }

        var budget = settings.Repair.MaxBlobsPerPass;
        if (pushes.Count > budget) outcome.LeftWork = true;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.Repair.Concurrency, CancellationToken = cancellation };
        var copied = 0;
        var failed = 0;
        var failedNodes = new ConcurrentDictionary<Address, byte>();
        await Parallel.ForEachAsync(pushes.Take(budget), parallel, async (push, ct) =>
        {
            if (await CopyAsync(push.Cid, push.Node, push.Provider, ct).ConfigureAwait(false)) Interlocked.Increment(ref copied);
            else
            {
                Interlocked.Increment(ref failed);
                failedNodes.TryAdd(push.Node, 0);
            }
        }).ConfigureAwait(false);
        budget -= Math.Min(budget, pushes.Count);

        // Drops: only copies whose every ranked holder answered, and none on a node a copy just failed to.
        var drops = view.Extras
            .Where(extra => extra.Holders.All(h => members.Has.ContainsKey(h) && !failedNodes.ContainsKey(h)))
            .ToList();
        if (drops.Count > budget) outcome.LeftWork = true;
        var dropped = 0;
        await Parallel.ForEachAsync(drops.Take(budget), parallel, async (extra, ct) =>
        {
            if (await DropAsync(extra.Cid, extra.Holders, members, ct).ConfigureAwait(false)) Interlocked.Increment(ref dropped);
        }).ConfigureAwait(false);

        outcome.Copied = copied;
        outcome.Failed += failed;
        outcome.Dropped = dropped;
        return outcome.ToOutcome();
    }

    /// <summary>Sends this node's verified copy to <paramref name="node"/>; true once it answered the CID (it hashed the bytes itself).</summary>
    private async Task<bool> CopyAsync(Cid cid, Address node, IActorRef provider, CancellationToken cancellation)
    {
        var local = Blobs.Read(cid);
        if (!local.IsFound)
        {
            // Never send a damaged copy; a get through this node repairs it from a replica.
            log.Warning("store copy {0} cid={1} path={2} fault={3}", local.State == LocalBlobState.Corrupt ? "corrupt" : "missing",
                cid, Blobs.PathOf(cid), local.Fault ?? "no file");
            return false;
        }
        var request = new Sequence(ReplicaPut).Concat(new Sequence(local.Bytes));
        var (answer, failure) = await store.AskAsync(provider, request, settings.WriteTimeout, cancellation).ConfigureAwait(false);
        if (answer is { IsCompleted: true } && answer.Bytes.Span.SequenceEqual(cid.ToAscii())) return true;
        if (log.IsDebugEnabled)
            log.Debug("store repair copy failed cid={0} node={1} reason={2}", cid, node, failure ?? $"{answer!.Status}: {answer.Reason}");
        return false;
    }

    /// <summary>Deletes this node's copy once every holder in <paramref name="holders"/> says it has a verified one.</summary>
    private async Task<bool> DropAsync(Cid cid, IReadOnlyList<Address> holders, StoreMembers members, CancellationToken cancellation)
    {
        var request = new Sequence(ReplicaHas).Concat(new Sequence(cid.ToAscii()));
        foreach (var holder in holders)
        {
            var (answer, _) = await store.AskAsync(members.Has[holder], request, settings.ReadTimeout, cancellation).ConfigureAwait(false);
            if (answer is not { IsCompleted: true } || !answer.Bytes.Span.SequenceEqual(StoreModule.True.Span)) return false;
        }
        if (Blobs.Delete(cid))
        {
            if (log.IsDebugEnabled) log.Debug("store repair dropped cid={0} holders={1}", cid, string.Join(",", holders));
            return true;
        }
        log.Warning("store repair could not delete cid={0} path={1}", cid, Blobs.PathOf(cid));
        return false;
    }

    /// <summary>store/replica/buckets/: this node's CIDs of the buckets whose digests differ from the requester's.</summary>
    /// <exception cref="CompletionRefusedException">BadRequest: not a buckets request.</exception>
    public Sequence AnswerBuckets(Sequence body)
    {
        BucketsRequest request;
        try
        {
            request = BucketsRequest.Decode(body.Memory);
        }
        catch (FormatException error)
        {
            throw new CompletionRefusedException(CompletionStatus.BadRequest, error.Message);
        }
        var view = ViewFor(request.Nodes, request.Factor, request.BucketCount);
        var mine = view.SharedBuckets(request.Requester);
        return new Sequence(BucketsReply.Encode(mine, mine.Differing(request.Digests)));
    }

    /// <summary>The ranked view of the inventory for these nodes and factor: cached until the inventory or the nodes change.</summary>
    private RepairView ViewFor(IReadOnlyList<Address> nodes, int factor, int bucketCount)
    {
        // The version is read before the inventory, so a view built while blobs arrive is rebuilt next time.
        var version = Blobs.InventoryVersion;
        var key = $"{factor}|{bucketCount}|{string.Join(",", nodes.Select(n => n.ToString()).Order(StringComparer.Ordinal))}";
        Dictionary<Cid, Address[]> known;
        lock (_gate)
        {
            if (_view is { } cached && cached.Version == version && cached.Key == key) return cached;
            known = _view?.Key == key ? _holders : [];
        }
        var wanted = Math.Min(factor, nodes.Count);
        var holders = new Dictionary<Cid, Address[]>(known.Count);
        var view = new RepairView(version, key, Blobs.Inventory, cid =>
        {
            if (!known.TryGetValue(cid, out var ranked)) ranked = StorePlacement.Rank(cid, nodes).Take(wanted).ToArray();
            holders[cid] = ranked;
            return ranked;
        }, self, bucketCount);
        lock (_gate)
        {
            _view = view;
            _holders = holders;
        }
        return view;
    }
}

/// <summary>The store nodes a pass works with: every address (this node's too, sorted) and each other node's store actor per internal prefix.</summary>
internal sealed record StoreMembers(
    IReadOnlyList<Address> Nodes,
    IReadOnlyDictionary<Address, IActorRef> Put,
    IReadOnlyDictionary<Address, IActorRef> Has,
    IReadOnlyDictionary<Address, IActorRef> Buckets)
{
    /// <summary>The node sets, as text: a change of them starts a pass (the second and third change when a node's other routes arrive later).</summary>
    public string Key { get; } = $"{string.Join(",", Nodes)}|{Sorted(Has.Keys)}|{Sorted(Buckets.Keys)}";

    private static string Sorted(IEnumerable<Address> nodes) => string.Join(",", nodes.Select(n => n.ToString()).Order(StringComparer.Ordinal));
}

/// <summary>What one repair pass did.</summary>
/// <param name="Blobs">Blobs this node held when the pass began.</param>
/// <param name="Peers">Store nodes it compared with.</param>
/// <param name="Buckets">Buckets compared (over all those nodes).</param>
/// <param name="DifferingBuckets">Of those, buckets whose digests differed.</param>
/// <param name="Copied">Copies made on other nodes and verified there.</param>
/// <param name="Dropped">Copies this node deleted because the nodes ranked for them hold verified ones.</param>
/// <param name="Failed">Comparisons and copies that failed (a node did not answer, refused, or this node's copy was damaged).</param>
/// <param name="LeftWork">The pass stopped at max-blobs-per-pass or at a truncated answer: the next one should follow soon.</param>
internal sealed record RepairOutcome(int Blobs, int Peers, int Buckets, int DifferingBuckets, int Copied, int Dropped, int Failed, bool LeftWork)
{
    public bool DidWork => Copied > 0 || Dropped > 0 || Failed > 0 || DifferingBuckets > 0;
}

internal sealed class RepairCounters
{
    public int Blobs, Peers, Buckets, DifferingBuckets, Copied, Dropped, Failed;
    public bool LeftWork;

    public RepairOutcome ToOutcome() => new(Blobs, Peers, Buckets, DifferingBuckets, Copied, Dropped, Failed, LeftWork);
}
