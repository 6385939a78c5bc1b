using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// A revocation survives a stop of every node (README.md#security): two real node processes
/// trusting one root, a token revoked through <c>sys/revoke/</c>, both nodes stopped with SIGTERM
/// and started again on the same data folders (PG_DATA): the token is still refused on both.
/// </summary>
public sealed class DurableRevocationTests : IDisposable
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(60);
    private readonly GridKey _root = GridKey.Generate();
    private readonly string _folder = Directory.CreateTempSubdirectory("pg-durable-revocation-").FullName;

    private Task<NodeProcess> StartAsync(string name, NodeProcess? seed = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["PG_TRUST"] = _root.PublicKeyText,
            ["PG_DATA"] = Path.Combine(_folder, name),
            ["PG_MODULES"] = "echo",
        };
        if (seed is not null) environment["PG_SEEDS"] = seed.RemotingAddress;
        return NodeProcess.StartAsync(environment);
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(NodeProcess node, byte[] body, CapabilityToken? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node.Gateway, "/complete")) { Content = new ByteArrayContent(body) };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Grid", token.ToText());
        using var response = await node.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static Task<(HttpStatusCode Status, string Body)> EchoAsync(NodeProcess node, CapabilityToken token) =>
        SendAsync(node, "echo/hi"u8.ToArray(), token);

    [Fact]
    public async Task A_revoked_token_is_still_refused_after_every_node_stopped_and_started_again()
    {
        var revoked = CapabilityToken.Issue(_root, "echo/"u8, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        var kept = CapabilityToken.Issue(_root, "echo/"u8, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        var statement = RevocationStatement.Create(_root, revoked, 0);

        await using (var node1 = await StartAsync("node1"))
        await using (var node2 = await StartAsync("node2", seed: node1))
        {
            await Poll.UntilAsync(async () => (await EchoAsync(node2, revoked)).Status == HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), () => $"node2 never served the token. Log:\n{node2.Log}");

            var answer = await SendAsync(node1, [.. "sys/revoke/"u8, .. statement]);
            Assert.True(answer.Status == HttpStatusCode.OK, $"{answer.Status}: {answer.Body}");
            Assert.Equal($"revoked {revoked.Links[0].HashHex}", answer.Body);
            // node2's replica has it now; its guard is told within the replicator's notification interval.
            await Poll.UntilAsync(async () => (await EchoAsync(node2, revoked)).Status == HttpStatusCode.Forbidden,
                TimeSpan.FromSeconds(10), () => $"node2 still serves the revoked token. Log:\n{node2.Log}");

            Assert.Equal(0, await node2.TerminateAsync(StopPatience));
            Assert.Equal(0, await node1.TerminateAsync(StopPatience));
        }

        await using var again1 = await StartAsync("node1");
        await using var again2 = await StartAsync("node2", seed: again1);
        foreach (var node in new[] { again1, again2 })
        {
            // Served once the node has joined and read its stored revocations (until then it refuses every token).
            await Poll.UntilAsync(async () => (await EchoAsync(node, kept)).Status == HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), () => $"{node.Gateway} never served the kept token. Log:\n{node.Log}");
            var refused = await EchoAsync(node, revoked);
            Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{refused.Status}: {refused.Body}");
            Assert.Contains("revoked", refused.Body);
        }
        Assert.True(File.Exists(Path.Combine(_folder, "node1", "security-state", "promisegrid-revocations.ddata")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
