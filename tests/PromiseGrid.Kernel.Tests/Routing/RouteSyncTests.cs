using PromiseGrid.Kernel.Routing;

namespace PromiseGrid.Kernel.Tests.Routing;

/// <summary>
/// Route sync without actors (docs/architecture.md#the-router): what <see cref="RoutePublisher"/>
/// sends and what <see cref="SyncedNodeRoutes"/> makes of it, against a plain set of entries as
/// the reference, with changes lost, repeated and answered by snapshots.
/// </summary>
public sealed class RouteSyncTests
{
    private const string Owner = "akka.tcp://promisegrid@10.0.0.2:4053";
    private static readonly Address OwnerAddress = Address.Parse(Owner);

    private static RouteEntry Entry(string prefix, string module = "m", int provider = 1, bool pure = false) =>
        new(Sequence.FromUtf8(prefix), module, $"{Owner}/user/p{provider}", pure);

    // The module name carries the provider path, so the held routes can be compared with entries.
    private static SyncedNodeRoutes Receiver() =>
        new(e => new Route(e.Prefix, $"{e.Module}|{e.ProviderPath}", ActorRefs.Nobody, OwnerAddress, e.Pure));

    private static HashSet<RouteEntry> Held(SyncedNodeRoutes receiver) =>
        [.. receiver.Routes.Select(r => r.Module.Split('|') is var parts ? new RouteEntry(r.Prefix, parts[0], parts[1], r.Pure) : null!)];

    [Fact]
    public void Changes_in_order_are_taken_and_old_ones_ignored()
    {
        var publisher = new RoutePublisher(Owner, 7);
        var receiver = Receiver();
        Assert.Equal(SyncOutcome.Changed, receiver.Take(Assert.Single(publisher.Snapshot())));
        Assert.Equal(0, receiver.Version);

        var first = Assert.Single(publisher.Publish([Entry("a/"), Entry("b/")]));
        var second = Assert.Single(publisher.Publish([Entry("b/", pure: true), Entry("c/")]));

        Assert.Equal(SyncOutcome.Changed, receiver.Take(first));
        Assert.Equal(SyncOutcome.Unchanged, receiver.Take(first));
        Assert.Equal(SyncOutcome.Changed, receiver.Take(second));
        Assert.Equal([Entry("b/", pure: true), Entry("c/")], Held(receiver));
        Assert.Equal(2, receiver.Version);
        Assert.Equal(["a/"], second.Removed.Select(e => e.Prefix.ToString()));
        Assert.Equal("", Assert.Single(second.Removed).Module);
    }

    [Fact]
    public void A_lost_change_or_a_new_incarnation_asks_for_a_snapshot()
    {
        var publisher = new RoutePublisher(Owner, 7);
        var receiver = Receiver();
        receiver.Take(Assert.Single(publisher.Snapshot()));
        publisher.Publish([Entry("a/")]); // lost
        var next = Assert.Single(publisher.Publish([Entry("a/"), Entry("b/")]));

        Assert.Equal(SyncOutcome.NeedSnapshot, receiver.Take(next));
        Assert.Empty(Held(receiver));

        var restarted = new RoutePublisher(Owner, 8);
        Assert.Equal(SyncOutcome.NeedSnapshot, receiver.Take(Assert.Single(restarted.Publish([Entry("z/")]))));
        Assert.True(receiver.IsBehind(restarted.Announce(false)));
    }

    [Fact]
    public void A_snapshot_replaces_the_held_routes_only_when_its_last_part_arrives()
    {
        var publisher = new RoutePublisher(Owner, 7);
        var receiver = Receiver();
        var many = Enumerable.Range(0, RoutePublisher.EntriesPerMessage * 2 + 1).Select(i => Entry($"r/{i}")).ToList();
        receiver.Take(Assert.Single(publisher.Snapshot()));
        receiver.Take(Assert.Single(publisher.Publish([Entry("kept/")])));
        publisher.Publish([Entry("kept/"), .. many]);

        var parts = publisher.Snapshot();

        Assert.Equal(3, parts.Count);
        Assert.Equal([false, false, true], parts.Select(p => p.Last));
        Assert.Equal(SyncOutcome.Unchanged, receiver.Take(parts[0]));
        Assert.Equal(SyncOutcome.Unchanged, receiver.Take(parts[1]));
        Assert.Equal([Entry("kept/")], Held(receiver)); // still the old routes, nothing missing meanwhile
        Assert.True(receiver.Collecting);
        Assert.Equal(SyncOutcome.Changed, receiver.Take(parts[2]));
        Assert.Equal([Entry("kept/"), .. many], Held(receiver));
        Assert.Equal(publisher.Version, receiver.Version);
        Assert.False(receiver.IsBehind(publisher.Announce(false)));
    }

    [Fact]
    public void A_snapshot_part_without_its_beginning_is_refused()
    {
        var publisher = new RoutePublisher(Owner, 7);
        publisher.Publish(Enumerable.Range(0, RoutePublisher.EntriesPerMessage + 1).Select(i => Entry($"r/{i}")));
        var parts = publisher.Snapshot();
        var receiver = Receiver();

        Assert.Equal(SyncOutcome.NeedSnapshot, receiver.Take(parts[1]));
        Assert.Equal(-1, receiver.Version);
        Assert.False(receiver.Collecting);
    }

    [Fact]
    public void A_burst_is_cut_into_numbered_changes_of_at_most_EntriesPerMessage_entries()
    {
        var publisher = new RoutePublisher(Owner, 7);
        var first = Enumerable.Range(0, 1200).Select(i => Entry($"a/{i}")).ToList();
        publisher.Publish(first);

        var deltas = publisher.Publish(Enumerable.Range(0, 700).Select(i => Entry($"b/{i}")));

        Assert.All(deltas, d => Assert.InRange(d.Added.Length + d.Removed.Length, 1, RoutePublisher.EntriesPerMessage));
        Assert.Equal(Enumerable.Range(4, deltas.Count).Select(v => (long)v), deltas.Select(d => d.Version));
        Assert.Equal(700, deltas.Sum(d => d.Added.Length));
        Assert.Equal(1200, deltas.Sum(d => d.Removed.Length));
        Assert.Empty(publisher.Publish(Enumerable.Range(0, 700).Select(i => Entry($"b/{i}"))));
    }

    /// <summary>
    /// Random route sets published one after another; each change is delivered, lost or delivered
    /// twice, and announcements come now and then. Whenever the receiver asks, it gets a snapshot
    /// (in order with the changes, as between two actors). At the end, after one announcement, it
    /// holds exactly the owner's routes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_receiver_ends_with_the_owners_routes_whatever_is_lost_or_repeated(int seed)
    {
        var random = new Random(seed);
        var publisher = new RoutePublisher(Owner, 7);
        var receiver = Receiver();
        var reference = new HashSet<RouteEntry>();
        var outbox = new Queue<object>(publisher.Snapshot());
        for (var round = 0; round < 30; round++)
        {
            // Change some routes: drop a few, add a few (sometimes a burst), change a module's flag.
            var next = reference.Where(_ => random.Next(4) != 0)
                .Select(e => random.Next(10) == 0 ? e with { Pure = !e.Pure } : e).ToList();
            var adds = random.Next(6) == 0 ? random.Next(400, 1300) : random.Next(0, 5);
            for (var i = 0; i < adds; i++) next.Add(Entry($"k/{random.Next(2000)}", provider: random.Next(1, 3)));
            next = [.. next.DistinctBy(e => (e.Prefix, e.ProviderPath))];
            reference = [.. next];
            foreach (var delta in publisher.Publish(next))
            {
                var fate = random.Next(10);
                if (fate >= 1) outbox.Enqueue(delta);
                if (fate == 9) outbox.Enqueue(delta);
            }
            if (random.Next(3) == 0) outbox.Enqueue(publisher.Announce(false));
            Deliver(outbox, receiver, publisher);
        }
        outbox.Enqueue(publisher.Announce(false));
        Deliver(outbox, receiver, publisher);

        Assert.Equal(publisher.Version, receiver.Version);
        Assert.True(reference.SetEquals(Held(receiver)), $"seed {seed}: held {receiver.Count}, owner {reference.Count}");
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 40)];

    private static void Deliver(Queue<object> outbox, SyncedNodeRoutes receiver, RoutePublisher publisher)
    {
        while (outbox.TryDequeue(out var message))
        {
            var outcome = message switch
            {
                RoutesDelta d => receiver.Take(d),
                RoutesSnapshot s => receiver.Take(s),
                RoutesVersion v => receiver.IsBehind(v) && !receiver.Collecting ? SyncOutcome.NeedSnapshot : SyncOutcome.Unchanged,
                _ => throw new InvalidOperationException(),
            };
            // The router asks once per announcement interval; here, once until the snapshot is in.
            if (outcome == SyncOutcome.NeedSnapshot && receiver.RequestedAt is null)
            {
                receiver.RequestedAt = 0;
                foreach (var part in publisher.Snapshot()) outbox.Enqueue(part);
            }
        }
    }
}
