using System.Net;
using System.Text.Json;
using PromiseGrid.Core.Capabilities;
using Xunit;

namespace PromiseGrid.Hosting.Tests.Dashboard;

/// <summary>
/// <c>GET /dashboard/state</c> (README.md#observe-the-dashboard): its shape on a node that checks nothing, and
/// on a node that checks tokens, who is refused (and why) and what a token's prefix lets it see.
/// </summary>
public sealed class DashboardStateTests
{
    [Fact]
    public async Task A_node_that_checks_nothing_shows_every_section_and_counts_its_completions()
    {
        await using var host = await DashboardHost.StartAsync();
        for (var i = 0; i < 3; i++)
            (await host.CompleteAsync("upper/hello")).EnsureSuccessStatusCode();

        // The per-second figures cover whole seconds before the current one: wait until this one is past.
        JsonElement state = default;
        await Poll.UntilAsync(async () =>
        {
            state = await ReadStateAsync(await host.StateAsync());
            return Sum(state.GetProperty("completions").GetProperty("completed")) == 3;
        }, "the three completions in the per-second figures");

        Assert.StartsWith("akka.tcp://promisegrid@", state.GetProperty("node").GetString());
        Assert.Equal("Up", state.GetProperty("status").GetString());
        var scope = state.GetProperty("scope");
        Assert.False(scope.GetProperty("checked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, scope.GetProperty("prefix").ValueKind);

        var member = Assert.Single(state.GetProperty("members").EnumerateArray());
        Assert.Equal(state.GetProperty("node").GetString(), member.GetProperty("address").GetString());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.True(member.GetProperty("self").GetBoolean());
        Assert.Equal(JsonValueKind.Array, member.GetProperty("roles").ValueKind);

        var prefixes = Prefixes(state.GetProperty("routes"));
        Assert.Contains("upper/", prefixes);
        Assert.Contains("sys/members", prefixes);
        var upper = state.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("prefix").GetString() == "upper/");
        Assert.Equal("upper", upper.GetProperty("module").GetString());
        Assert.True(upper.GetProperty("reachable").GetBoolean());
        Assert.False(upper.GetProperty("pure").GetBoolean());

        var promises = state.GetProperty("ledger").EnumerateArray().Single(r => r.GetProperty("prefix").GetString() == "upper/");
        Assert.Equal(3, promises.GetProperty("kept").GetInt64());
        Assert.Equal(0, promises.GetProperty("broken").GetInt64());
        Assert.True(promises.GetProperty("latency_ms").GetDouble() >= 0);
        Assert.Equal(1.0, promises.GetProperty("score").GetDouble());
        Assert.StartsWith("upper@", promises.GetProperty("provider").GetString());

        var completions = state.GetProperty("completions");
        var seconds = completions.GetProperty("completed").GetArrayLength();
        Assert.Equal(299, seconds);
        foreach (var name in new[] { "failed", "meanMs", "maxMs" })
            Assert.Equal(seconds, completions.GetProperty(name).GetArrayLength());
        Assert.Equal(0, Sum(completions.GetProperty("failed")));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(completions.GetProperty("firstSecond").GetInt64() + seconds, now - 60, now + 1);

        var cache = state.GetProperty("cache");
        foreach (var name in new[] { "enabled", "entries", "bytes", "maxBytes", "hits", "misses", "evictions" })
            Assert.True(cache.TryGetProperty(name, out _), $"cache has no '{name}'");
    }

    [Fact]
    public async Task A_node_that_checks_tokens_refuses_readers_without_a_good_token_and_says_why()
    {
        using var root = GridKey.Generate();
        using var stranger = GridKey.Generate();
        await using var host = await DashboardHost.StartAsync(root);
        var now = DateTimeOffset.UtcNow;

        using (var none = await host.StateAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Grid", none.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains("no capability token", await DetailAsync(none));
        }
        await AssertRefusedAsync(host.StateAsync("Grid not*base64"), "not base64url");
        await AssertRefusedAsync(host.StateAsync(CapabilityToken.Issue(stranger, [], now.AddMinutes(-1), now.AddHours(1))), "token refused");
        await AssertRefusedAsync(host.StateAsync(CapabilityToken.Issue(root, [], now.AddHours(-2), now.AddHours(-1))), "expired");
        await AssertRefusedAsync(host.StateAsync(CapabilityToken.Issue(root, [], now.AddMinutes(-1), now.AddHours(1), holder: stranger.PublicKey)),
            "bound to a holder");

        // Revoked through the grid, as pgrid token revoke does it: refused from then on.
        var revoked = CapabilityToken.Issue(root, [], now.AddMinutes(-1), now.AddHours(1));
        using (var before = await host.StateAsync(revoked)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var statement = RevocationStatement.Create(root, revoked, 0);
        using (var revoke = await host.Http.PostAsync("/complete", new ByteArrayContent([.. "sys/revoke/"u8, .. statement])))
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await AssertRefusedAsync(host.StateAsync(revoked), "revoked");
    }

    [Fact]
    public async Task A_token_shows_the_routes_and_promises_its_prefix_overlaps_and_node_wide_sections_only_with_their_sys_query()
    {
        using var root = GridKey.Generate();
        await using var host = await DashboardHost.StartAsync(root);
        var now = DateTimeOffset.UtcNow;
        var everything = CapabilityToken.Issue(root, [], now.AddMinutes(-1), now.AddHours(1));
        (await host.CompleteAsync("upper/x", everything)).EnsureSuccessStatusCode();

        // A token for upper/ and below: upper/'s route and promises, nothing node-wide.
        var upperOnly = CapabilityToken.Issue(root, "upper/abc"u8, now.AddMinutes(-1), now.AddHours(1));
        var state = await ReadStateAsync(await host.StateAsync(upperOnly));
        var scope = state.GetProperty("scope");
        Assert.True(scope.GetProperty("checked").GetBoolean());
        Assert.Equal("upper/abc", scope.GetProperty("prefix").GetString());
        Assert.Equal(["upper/"], Prefixes(state.GetProperty("routes")));
        Assert.Equal(["upper/"], Prefixes(state.GetProperty("ledger")));
        Assert.Equal(JsonValueKind.Null, state.GetProperty("members").ValueKind);
        Assert.Equal(JsonValueKind.Null, state.GetProperty("completions").ValueKind);
        Assert.Equal(JsonValueKind.Null, state.GetProperty("cache").ValueKind);

        // sys/m...: members (sys/members is under it), and sys/members' own route; no cache, no other route.
        var members = CapabilityToken.Issue(root, "sys/m"u8, now.AddMinutes(-1), now.AddHours(1));
        state = await ReadStateAsync(await host.StateAsync(members));
        Assert.Equal(JsonValueKind.Array, state.GetProperty("members").ValueKind);
        Assert.Equal(JsonValueKind.Null, state.GetProperty("cache").ValueKind);
        Assert.Equal(["sys/members"], Prefixes(state.GetProperty("routes")));

        // sys/: every sys/ query, so every section whole.
        var operator_ = CapabilityToken.Issue(root, "sys/"u8, now.AddMinutes(-1), now.AddHours(1));
        state = await ReadStateAsync(await host.StateAsync(operator_));
        Assert.Contains("upper/", Prefixes(state.GetProperty("routes")));
        Assert.Contains("upper/", Prefixes(state.GetProperty("ledger")));
        Assert.Equal(JsonValueKind.Array, state.GetProperty("members").ValueKind);
        Assert.Equal(JsonValueKind.Object, state.GetProperty("completions").ValueKind);
        Assert.Equal(JsonValueKind.Object, state.GetProperty("cache").ValueKind);

        // The empty prefix covers everything.
        var all = await ReadStateAsync(await host.StateAsync(everything));
        Assert.Equal(Prefixes(state.GetProperty("routes")), Prefixes(all.GetProperty("routes")));
    }

    [Fact]
    public async Task The_page_and_its_files_are_served_from_the_assembly_under_a_policy_that_allows_only_this_node()
    {
        await using var host = await DashboardHost.StartAsync();
        using var page = await host.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/dashboard/dashboard.js\"", html);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal));
        Assert.DoesNotContain("https://", html);

        using var script = await host.Http.GetAsync("/dashboard/dashboard.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        Assert.Contains("/dashboard/state", await script.Content.ReadAsStringAsync());
        using var style = await host.Http.GetAsync("/dashboard/dashboard.css");
        Assert.Equal("text/css", style.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_hosts_own_page_at_the_root_wins_over_the_dashboard()
    {
        await using var host = await DashboardHost.StartAsync(mapOwn: app => app.MapGet("/", () => "the host's own page"));
        Assert.Equal("the host's own page", await host.Http.GetStringAsync("/"));
        using var state = await host.StateAsync();
        Assert.Equal(HttpStatusCode.OK, state.StatusCode);
    }

    private static async Task AssertRefusedAsync(Task<HttpResponseMessage> sent, string reason)
    {
        using var response = await sent;
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(reason, await DetailAsync(response));
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Denied", problem.RootElement.GetProperty("grid").GetString());
        return problem.RootElement.GetProperty("detail").GetString()!;
    }

    private static async Task<JsonElement> ReadStateAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    private static string[] Prefixes(JsonElement rows) => rows.EnumerateArray().Select(r => r.GetProperty("prefix").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private static long Sum(JsonElement values) => values.EnumerateArray().Sum(v => v.GetInt64());
}
