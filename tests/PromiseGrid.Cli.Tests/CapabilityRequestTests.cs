using System.Buffers.Text;
using System.Text;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Cli.Tests;

/// <summary>
/// <c>pgrid complete --token [--key]</c> and <c>pgrid token revoke</c>: what goes on the wire to the
/// gateway (the node's checks themselves are tested against real nodes in Node.Tests).
/// </summary>
public sealed class CapabilityRequestTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pgrid-cap-").FullName;
    private readonly GridKey _root = GridKey.Generate();
    private readonly GridKey _alice = GridKey.Generate();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private CapabilityToken Token(byte[]? holder = null) =>
        CapabilityToken.Issue(_root, "echo/"u8, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), holder);

    [Fact]
    public async Task A_bearer_token_goes_as_the_Grid_authorization_header_exactly_as_given()
    {
        await using var gateway = await FakeGateway.StartAsync((request, response) => FakeGateway.Bytes(response, request.Body));
        var token = Token().ToText();

        var result = await Cli.RunAsync(["complete", "echo/hi", "--token", "@" + Write("t", token + "\n"), "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"Grid {token}", Assert.Single(gateway.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task With_the_holders_key_a_fresh_proof_over_the_sequence_rides_after_a_dot()
    {
        await using var gateway = await FakeGateway.StartAsync((request, response) => FakeGateway.Bytes(response, request.Body));
        var token = Token(_alice.PublicKey);
        var key = Write("alice.pem", _alice.ToPrivatePem());

        var first = await Cli.RunAsync(["complete", "echo/mine", "--token", token.ToText(), "--key", key, "--node", gateway.Url]);
        var second = await Cli.RunAsync(["complete", "echo/mine", "--token", token.ToText(), "--key", key, "--node", gateway.Url]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        var headers = gateway.Requests.Select(r => r.Header("Authorization")!).ToArray();
        var proofs = headers.Select(h => Base64Url.DecodeFromChars(h.AsSpan(h.IndexOf('.') + 1))).ToArray();
        Assert.All(headers, h => Assert.StartsWith($"Grid {token.ToText()}.", h));
        foreach (var proof in proofs)
            HolderProof.Verify(proof, _alice.PublicKey, "echo/mine"u8, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30));
        Assert.NotEqual(HolderProof.Verify(proofs[0], _alice.PublicKey, "echo/mine"u8, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30)).NonceKey,
            HolderProof.Verify(proofs[1], _alice.PublicKey, "echo/mine"u8, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30)).NonceKey);
    }

    [Fact]
    public async Task A_key_without_a_token_is_a_usage_error_and_nothing_is_sent()
    {
        await using var gateway = await FakeGateway.StartAsync((request, response) => FakeGateway.Bytes(response, request.Body));

        var result = await Cli.RunAsync(["complete", "echo/x", "--key", Write("a.pem", _alice.ToPrivatePem()), "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--token", result.Stderr);
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task A_denial_is_one_line_with_the_nodes_reason_and_exit_1()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 403, "Denied", "Denied", "token refused: link 0: issuer BCbd… is not trusted"));

        var result = await Cli.RunAsync(["complete", "echo/x", "--token", Token().ToText(), "--node", gateway.Url]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Equal(["pgrid: denied: token refused: link 0: issuer BCbd… is not trusted (403)"], result.StderrLines);
    }

    [Fact]
    public async Task Revoke_sends_a_statement_the_node_can_verify_to_sys_revoke()
    {
        await using var gateway = await FakeGateway.StartAsync((request, response) =>
            FakeGateway.Bytes(response, Encoding.UTF8.GetBytes("revoked abc")));
        var token = Token(_alice.PublicKey).Attenuate(_alice, "echo/x"u8, DateTimeOffset.UtcNow.AddMinutes(30));

        var result = await Cli.RunAsync(["token", "revoke", "--token", token.ToText(), "--link", "0",
            "--key", Write("root.pem", _root.ToPrivatePem()), "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("revoked abc\n", Encoding.UTF8.GetString(result.Stdout));
        var body = Assert.Single(gateway.Requests).Body;
        Assert.True(body.AsSpan().StartsWith("sys/revoke/"u8));
        var revoked = RevocationStatement.Verify(body.AsSpan("sys/revoke/".Length), new TrustedIssuers([_root]));
        Assert.Equal(token.Links[0].HashHex, revoked.HashHex);
    }

    [Fact]
    public async Task Revoke_refuses_a_link_index_outside_the_token()
    {
        await using var gateway = await FakeGateway.StartAsync((request, response) => FakeGateway.Bytes(response, request.Body));

        var result = await Cli.RunAsync(["token", "revoke", "--token", Token().ToText(), "--link", "3",
            "--key", Write("root.pem", _root.ToPrivatePem()), "--node", gateway.Url]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--link must be from 0 to 0", result.Stderr);
        Assert.Empty(gateway.Requests);
    }

    public void Dispose()
    {
        _root.Dispose();
        _alice.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
