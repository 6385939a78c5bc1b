using System.Collections.Immutable;
using PromiseGrid.Kernel.Ledger;

namespace PromiseGrid.Kernel.Tests.Ledger;

/// <summary>Provider choice as a pure function of routes, ledger scores, this node and the request id.</summary>
public sealed class ProviderChoiceTests
{
    private static readonly Sequence Prefix = Sequence.FromText("slow/");
    private static readonly Address Self = new("akka.tcp", "promisegrid", "10.0.0.1", 4053);
    private static readonly Address NodeB = new("akka.tcp", "promisegrid", "10.0.0.2", 4053);
    private static readonly Address NodeC = new("akka.tcp", "promisegrid", "10.0.0.3", 4053);

    private readonly PromiseLedger _ledger = new();

    private Route RouteOn(Address node)
    {
        var route = new Route(Prefix, "slow", ActorRefs.Nobody, node, false);
        return route with { Promises = _ledger.For(route.ProviderName, Prefix) };
    }

    private static void Break(Route route, int times)
    {
        for (var i = 0; i < times; i++) route.Promises!.RecordBroken("timeout");
    }

    private static Dictionary<Route, int> Shares(ImmutableArray<Route> providers, long from, long to, long stride = 1)
    {
        // By reference: these routes share a provider ref (Nobody), so they are Equal as records.
        var shares = providers.ToDictionary(r => r, _ => 0, ReferenceEqualityComparer.Instance as IEqualityComparer<Route>);
        for (var id = from; id <= to; id += stride) shares[ProviderChoice.Pick(providers, Self, id)]++;
        return shares;
    }

    [Fact]
    public void A_single_provider_gets_every_request_whatever_its_score()
    {
        var only = RouteOn(NodeB);
        Break(only, 20);

        for (var id = 1; id <= 200; id++)
            Assert.Same(only, ProviderChoice.Pick([only], Self, id));
    }

    [Fact]
    public void A_local_provider_wins_among_equals_and_nothing_is_explored()
    {
        var remote = RouteOn(NodeB);
        var local = RouteOn(Self);

        var shares = Shares([remote, local], 1, 1000);

        Assert.Equal(1000, shares[local]);
    }

    [Fact]
    public void Providers_within_the_tolerance_are_equals()
    {
        var remote = RouteOn(NodeB);
        var local = RouteOn(Self);
        Break(local, 1);
        for (var i = 0; i < 7; i++) local.Promises!.RecordKept(TimeSpan.Zero); // back to 0.952

        Assert.InRange(local.Promises!.Score, 1 - ProviderChoice.Tolerance, 1);
        Assert.Equal(1000, Shares([remote, local], 1, 1000)[local]);
    }

    [Fact]
    public void Among_remote_equals_the_first_in_route_order_is_chosen()
    {
        var b = RouteOn(NodeB);
        var c = RouteOn(NodeC);

        Assert.Equal(1000, Shares([c, b], 1, 1000)[c]);
    }

    [Fact]
    public void A_reliable_remote_provider_beats_an_unreliable_local_one()
    {
        var local = RouteOn(Self);
        var remote = RouteOn(NodeB);
        Break(local, 1);

        for (var id = 1; id <= 1000; id++)
            if (!ProviderChoice.Explores(id))
                Assert.Same(remote, ProviderChoice.Pick([local, remote], Self, id));
    }

    [Fact]
    public void About_one_request_in_16_explores_a_worse_provider_by_request_id()
    {
        var local = RouteOn(Self);
        var remote = RouteOn(NodeB);
        Break(local, 3);
        ImmutableArray<Route> providers = [local, remote];

        var explored = Shares(providers, 1, 1600)[local];

        // The count is a function of the ids alone: the requester predicts the same picks.
        Assert.Equal(Enumerable.Range(1, 1600).Count(id => ProviderChoice.Explores(id)), explored);
        Assert.InRange(explored, 90, 110);
        for (var id = 1; id <= 1600; id++)
            Assert.Same(ProviderChoice.Pick(providers, Self, id), ProviderChoice.Pick(providers, Self, id));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(16)]
    public void Ids_arriving_with_a_stride_still_explore_about_one_in_16(long stride)
    {
        // E.g. a client that alternates this prefix with another sees every other id.
        var local = RouteOn(Self);
        var remote = RouteOn(NodeB);
        Break(local, 3);

        var explored = Shares([local, remote], stride, 1600 * stride, stride)[local];

        Assert.InRange(explored, 80, 120);
    }

    [Fact]
    public void Exploration_is_spread_over_every_worse_provider()
    {
        var local = RouteOn(Self);
        var b = RouteOn(NodeB);
        var c = RouteOn(NodeC);
        Break(b, 2);
        Break(c, 5);

        var shares = Shares([b, local, c], 1, 3200);

        Assert.InRange(shares[b], 60, 140);
        Assert.InRange(shares[c], 60, 140);
        Assert.Equal(3200, shares[b] + shares[c] + shares[local]);
    }

    [Fact]
    public void A_recovered_provider_earns_its_share_back_by_keeping_explored_promises()
    {
        var local = RouteOn(Self);
        var remote = RouteOn(NodeB);
        Break(local, 10); // score about 0.35
        ImmutableArray<Route> providers = [local, remote];
        var toLocal = new List<bool>();

        // The local provider has recovered: whoever gets a request keeps the promise.
        for (var id = 1; id <= 1000; id++)
        {
            var chosen = ProviderChoice.Pick(providers, Self, id);
            chosen.Promises!.RecordKept(TimeSpan.FromMilliseconds(1));
            toLocal.Add(ReferenceEquals(chosen, local));
        }

        var early = toLocal.Take(100).Count(x => x);
        var late = toLocal.Skip(900).Count(x => x);
        Assert.InRange(early, 1, 15);
        Assert.Equal(100, late);
    }

    [Fact]
    public void Routes_made_outside_the_router_count_as_trusted()
    {
        var bare = new Route(Prefix, "slow", ActorRefs.Nobody, NodeB, false);
        var local = RouteOn(Self);
        Break(local, 1);

        Assert.Same(bare, ProviderChoice.Pick([local, bare], Self, 1));
    }
}
