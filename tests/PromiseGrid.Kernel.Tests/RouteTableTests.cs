using System.Text.Json;

namespace PromiseGrid.Kernel.Tests;

/// <summary>The published route snapshot and its operator views.</summary>
public sealed class RouteTableTests(ITestOutputHelper output) : KernelTestKit(LocalConfig, output)
{
    [Fact]
    public void A_new_table_is_empty()
    {
        var table = new RouteTable();

        Assert.Equal(0, table.Snapshot.ValueCount);
        Assert.Empty(table.Views());
        Assert.Empty(Runtime.Routes.Views());
    }

    [Fact]
    public async Task Views_list_every_route_sorted_by_prefix_in_notation_and_hex()
    {
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        await RegisterAsync(first, "b/", "mb");
        await RegisterAsync(first, @"k\x00", "mk", pure: true);
        await RegisterAsync(second, "a/", "ma");
        await RegisterAsync(second, "b/", "mb2");

        var views = Runtime.Routes.Views();

        var node = SelfAddress.ToString();
        Assert.Equal(4, views.Count);
        Assert.Equal(new RouteView("a/", "612f", "ma", node, false, true, false), views[0]);
        Assert.Equal(["mb", "mb2"], views.Skip(1).Take(2).Select(v => v.Module).Order());
        Assert.All(views.Skip(1).Take(2), v => Assert.Equal(("b/", "622f"), (v.Prefix, v.PrefixHex)));
        Assert.Equal(new RouteView(@"k\x00", "6b00", "mk", node, true, true, false), views[3]);
    }

    [Fact]
    public async Task Views_follow_route_changes()
    {
        var provider = CreateTestProbe();
        await RegisterAsync(provider, "a/");
        Assert.Single(Runtime.Routes.Views());

        Runtime.Router.Tell(new Unregister(Seq("a/")), provider.Ref);
        await provider.ExpectMsgAsync<Unregistered>(Patience);

        Assert.Empty(Runtime.Routes.Views());
    }

    [Fact]
    public void A_view_serializes_with_the_documented_json_names()
    {
        var route = new Route(Seq(@"x\xff"), "mod", TestActor, SelfAddress, true);

        var json = JsonDocument.Parse(JsonSerializer.Serialize(RouteView.Of(route, reachable: false))).RootElement;

        Assert.Equal(@"x\xff", json.GetProperty("prefix").GetString());
        Assert.Equal("78ff", json.GetProperty("prefixHex").GetString());
        Assert.Equal("mod", json.GetProperty("module").GetString());
        Assert.Equal(SelfAddress.ToString(), json.GetProperty("node").GetString());
        Assert.True(json.GetProperty("pure").GetBoolean());
        Assert.False(json.GetProperty("reachable").GetBoolean());
    }

    [Fact]
    public void Routes_are_identified_by_prefix_and_provider()
    {
        var a = new Route(Seq("a/"), "one", TestActor, SelfAddress, false);
        var sameButFlags = new Route(Seq("a/"), "two", TestActor, SelfAddress, true);
        var otherProvider = new Route(Seq("a/"), "one", CreateTestProbe().Ref, SelfAddress, false);

        Assert.Equal(a, sameButFlags);
        Assert.Equal(a.GetHashCode(), sameButFlags.GetHashCode());
        Assert.NotEqual(a, otherProvider);
        Assert.Equal($"one@{SelfAddress}", a.ProviderName);
    }
}
