using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Core.Tests.Capabilities;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// The compose topology with <c>PG_TRUST</c> set on every node (README.md#security, end to end): tokens
/// made with <c>pgrid key</c>/<c>pgrid token</c> open the grid, and <c>pgrid complete</c> is refused
/// with its reason for every kind of bad token. Real node processes in network namespaces.
/// </summary>
public sealed class CapabilityComposeTests(CapabilityComposeTests.TrustedCluster grid) : IClassFixture<CapabilityComposeTests.TrustedCluster>
{
    [Fact]
    public async Task An_attenuated_token_made_with_pgrid_completes_through_every_node()
    {
        // root → alice (holder-bound, echo/) → bearer for echo/h, attenuated offline by alice.
        var forAlice = await grid.Pgrid("token", "issue", "--key", grid.RootKey, "--prefix", "echo/", "--holder", grid.AlicePublic, "--expires", "1h");
        var narrowed = await grid.Pgrid("token", "attenuate", "--token", forAlice.Trim(), "--key", grid.AliceKey, "--prefix", "echo/h");

        foreach (var node in TrustedCluster.Nodes)
        {
            var result = await CliProcess.RunAsync(null, "--node", grid.Cluster.GatewayOf(node).ToString(), "complete", "echo/hi", "--token", narrowed.Trim());
            Assert.True(result.ExitCode == 0, $"{node}: exit {result.ExitCode}: {result.Stderr}");
            Assert.Equal("hi", result.StdoutText);
        }
    }

    [Fact]
    public async Task The_node_hosting_the_module_checks_the_token_across_hosts()
    {
        // hash/ runs on node3 only: node1 forwards the request, node3 checks its token.
        var hashToken = await grid.Pgrid("token", "issue", "--key", grid.RootKey, "--prefix", "hash/");
        var kept = await CliProcess.RunAsync(null, "--node", grid.Cluster.GatewayOf("node1").ToString(), "complete", "hash/sha256/abc", "--token", hashToken.Trim(), "--show-provider");
        Assert.True(kept.ExitCode == 0, kept.Stderr);
        Assert.Contains("node3", kept.Stderr);

        // The refusal comes from node3's module host: the problem names it as the provider.
        var echoOnly = await grid.Pgrid("token", "issue", "--key", grid.RootKey, "--prefix", "echo/");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(grid.Cluster.GatewayOf("node1"), "/complete"))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes("hash/sha256/abc")),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Grid", echoOnly);
        using var refused = await grid.Cluster.Http.SendAsync(request);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("outside the token's prefix", problem);
        Assert.Contains("\"provider\":\"hash@akka.ssl.tcp://promisegrid@node3", problem);
    }

    public static TheoryData<string> BadTokens() => new(TrustedCluster.BadTokenCases);

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Pgrid_complete_is_refused_with_the_reason(string name)
    {
        var (token, sequence, key, reason) = grid.BadToken(name);
        string[] args = ["--node", grid.Cluster.GatewayOf("node2").ToString(), "complete", sequence, "--token", token];
        if (key is not null) args = [.. args, "--key", key];

        var result = await CliProcess.RunAsync(null, args);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}, stdout '{result.StdoutText}', stderr: {result.Stderr}");
        Assert.Empty(result.Stdout);
        Assert.Contains("denied", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("(403)", result.Stderr);
        Assert.Contains(reason, result.Stderr);
    }

    [Fact]
    public async Task A_holder_proof_is_good_once_even_across_two_nodes()
    {
        var token = CapabilityToken.Parse(await grid.Pgrid("token", "issue", "--key", grid.RootKey, "--prefix", "echo/", "--holder", grid.AlicePublic));
        using var alice = GridKey.Load(grid.AliceKey);
        var sequence = Encoding.UTF8.GetBytes("echo/once");
        var proof = HolderProof.Create(alice, sequence, DateTimeOffset.UtcNow);
        var header = new AuthenticationHeaderValue("Grid", $"{token.ToText()}.{System.Buffers.Text.Base64Url.EncodeToString(proof)}");

        var first = await Send("node1");
        var again = await Send("node1");
        var elsewhere = await Send("node2");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("once", first.Body);
        Assert.Equal(HttpStatusCode.Forbidden, again.Status);
        Assert.Contains("replayed nonce", again.Body);
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.Status);
        Assert.Contains("replayed nonce", elsewhere.Body);

        async Task<(HttpStatusCode Status, string Body)> Send(string node)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(grid.Cluster.GatewayOf(node), "/complete"))
            {
                Content = new ByteArrayContent(sequence),
            };
            request.Headers.Authorization = header;
            using var response = await grid.Cluster.Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_holder_bound_token_works_with_the_holders_key_and_not_with_another()
    {
        var token = (await grid.Pgrid("token", "issue", "--key", grid.RootKey, "--prefix", "echo/", "--holder", grid.AlicePublic)).Trim();
        var gateway = grid.Cluster.GatewayOf("node3").ToString();

        var kept = await CliProcess.RunAsync(null, "--node", gateway, "complete", "echo/mine", "--token", token, "--key", grid.AliceKey);
        var stolen = await CliProcess.RunAsync(null, "--node", gateway, "complete", "echo/mine", "--token", token, "--key", grid.BobKey);
        var bare = await CliProcess.RunAsync(null, "--node", gateway, "complete", "echo/mine", "--token", token);

        Assert.True(kept.ExitCode == 0, kept.Stderr);
        Assert.Equal("mine", kept.StdoutText);
        Assert.Equal(1, stolen.ExitCode);
        Assert.Contains("not signed by the token's holder", stolen.Stderr);
        Assert.Equal(1, bare.ExitCode);
        Assert.Contains("holder proof is missing", bare.Stderr);
    }

    [Fact]
    public async Task Revoking_a_parent_link_refuses_every_token_below_it_on_every_node()
    {
        var parent = (await grid.Pgrid("token", "issue", "--key", grid.RootKey, "--prefix", "echo/r", "--holder", grid.AlicePublic)).Trim();
        var child = (await grid.Pgrid("token", "attenuate", "--token", parent, "--key", grid.AliceKey, "--prefix", "echo/rv")).Trim();
        var before = await CliProcess.RunAsync(null, "--node", grid.Cluster.GatewayOf("node2").ToString(), "complete", "echo/rv1", "--token", child);
        Assert.True(before.ExitCode == 0, before.Stderr);

        // Alice cannot revoke the link above her own; the root, its issuer, can.
        var byHolder = await CliProcess.RunAsync(null, "--node", grid.Cluster.GatewayOf("node1").ToString(), "token", "revoke", "--token", child, "--link", "0", "--key", grid.AliceKey);
        Assert.Equal(1, byHolder.ExitCode);
        var revoked = await grid.Pgrid("--node", grid.Cluster.GatewayOf("node1").ToString(), "token", "revoke", "--token", child, "--link", "0", "--key", grid.RootKey);
        Assert.StartsWith("revoked ", revoked);

        foreach (var node in TrustedCluster.Nodes)
        {
            var after = await CliProcess.RunAsync(null, "--node", grid.Cluster.GatewayOf(node).ToString(), "complete", "echo/rv2", "--token", child);
            Assert.Equal(1, after.ExitCode);
            Assert.Contains("revoked", after.Stderr);
        }
    }

    /// <summary>Three nodes trusting one root key, and the keys and bad tokens the tests use.</summary>
    public sealed class TrustedCluster : IAsyncLifetime
    {
        public static readonly string[] Nodes = ["node1", "node2", "node3"];

        public static readonly string[] BadTokenCases =
        [
            "wrong issuer key", "flipped signature byte", "truncated signature", "missing signature",
            "links reordered", "link dropped", "link from another chain", "child prefix shorter than parent",
            "child prefix diverging from parent", "sequence outside the prefix", "expired", "not yet valid",
            "child outliving parent", "over the size limit", "over the depth limit", "random bytes",
        ];

        private readonly string _folder = Directory.CreateTempSubdirectory("pg-trust-").FullName;
        private readonly Dictionary<string, (string Token, string Sequence, string? Key, string Reason)> _bad = new();

        public ComposeCluster Cluster { get; private set; } = null!;
        public string RootKey => Path.Combine(_folder, "root.pem");
        public string AliceKey => Path.Combine(_folder, "alice.pem");
        public string BobKey => Path.Combine(_folder, "bob.pem");
        public string AlicePublic { get; private set; } = "";

        public (string Token, string Sequence, string? Key, string Reason) BadToken(string name) => _bad[name];

        /// <summary>Runs pgrid and returns its stdout; fails the test with stderr on a non-zero exit.</summary>
        public async Task<string> Pgrid(params string[] args)
        {
            var result = await CliProcess.RunAsync(null, args);
            Assert.True(result.ExitCode == 0, $"pgrid {string.Join(' ', args)}: exit {result.ExitCode}: {result.Stderr}");
            return result.StdoutText.Trim();
        }

        public async Task InitializeAsync()
        {
            var rootPublic = await Pgrid("key", "new", "--out", RootKey);
            AlicePublic = await Pgrid("key", "new", "--out", AliceKey);
            await Pgrid("key", "new", "--out", BobKey);
            var overrideFile = Path.Combine(_folder, "trust.yml");
            var services = string.Concat(Nodes.Select(n => $"  {n}:\n    environment:\n      PG_TRUST: \"{rootPublic}\"\n"));
            await File.WriteAllTextAsync(overrideFile, $"services:\n{services}");
            MakeBadTokens();
            Cluster = await ComposeCluster.UpWithOverridesAsync([overrideFile], Nodes);
        }

        private void MakeBadTokens()
        {
            using var root = GridKey.Load(RootKey);
            using var alice = GridKey.Load(AliceKey);
            using var mallory = GridKey.Generate();
            var now = DateTimeOffset.UtcNow;
            var hour = now.AddHours(1);
            var soon = now.AddMinutes(-1);

            // A link with exactly these claims, signed by its issuer: the forge skips every rule the CLI enforces.
            static byte[] Link(GridKey signer, GridKey? holder, string prefix, DateTimeOffset notBefore, DateTimeOffset expires, byte[]? parent) =>
                TokenForge.Link(signer, TokenForge.Claims(signer, holder, prefix, parent is null ? null : TokenForge.Hash(parent), notBefore, expires));
            static byte[] WithSignature(byte[] link, Func<byte[], byte[]> change) =>
                TokenForge.WithSignature(link, change(TokenForge.SignatureOf(link)));

            var parent = Link(root, alice, "echo/", soon, hour, null);
            var child = Link(alice, null, "echo/x", soon, hour, parent);
            var good = TokenForge.Token(parent, child);
            var three = TokenForge.Token(parent, Link(alice, alice, "echo/x", soon, hour, parent),
                Link(alice, null, "echo/xy", soon, hour, TokenForge.Links(good)[1]));

            void Add(string name, byte[] token, string reason, string sequence = "echo/xyz", string? key = null) =>
                _bad[name] = (TokenForge.Text(token), sequence, key, reason);

            Add("wrong issuer key", CapabilityToken.Issue(mallory, Sequence.FromText("echo/").Span, soon, hour).Encoded, "is not trusted");
            Add("flipped signature byte", TokenForge.Token(parent, WithSignature(child, s => { s[5] ^= 1; return s; })), "signature does not verify");
            Add("truncated signature", TokenForge.Token(parent, WithSignature(child, s => s[..40])), "signature is 40 bytes, ES256 needs 64");
            Add("missing signature", TokenForge.Token(parent, WithSignature(child, _ => [])), "signature is 0 bytes");
            Add("links reordered", TokenForge.Token(child, parent), "link 0");
            var threeLinks = TokenForge.Links(three);
            Add("link dropped", TokenForge.Token(threeLinks[0], threeLinks[2]), "link 1: was not issued under link 0");
            var otherParent = Link(root, alice, "echo/", soon, hour, null);
            var otherChild = Link(alice, null, "echo/x", soon, hour, otherParent);
            Add("link from another chain", TokenForge.Token(parent, otherChild), "parent hash differs");
            Add("child prefix shorter than parent", TokenForge.Token(parent, Link(alice, null, "echo", soon, hour, parent)), "does not start with its parent's prefix");
            Add("child prefix diverging from parent", TokenForge.Token(parent, Link(alice, null, "hash/", soon, hour, parent)), "does not start with its parent's prefix", "hash/sha256/x");
            Add("sequence outside the prefix", good, "outside", "echo/abc");
            Add("expired", CapabilityToken.Issue(root, Sequence.FromText("echo/").Span, now.AddHours(-2), now.AddHours(-1)).Encoded, "expired");
            Add("not yet valid", CapabilityToken.Issue(root, Sequence.FromText("echo/").Span, now.AddHours(1), now.AddHours(2)).Encoded, "not valid before");
            Add("child outliving parent", TokenForge.Token(parent, Link(alice, null, "echo/x", soon, now.AddHours(2), parent)), "after its parent's expiry");
            var big = new byte[CapabilityLimits.MaxTokenBytes + 100];
            Random.Shared.NextBytes(big);
            Add("over the size limit", big, "over the limit of 8192");
            var deep = new List<byte[]> { parent };
            for (var i = 0; i < CapabilityLimits.MaxDepth; i++)
                deep.Add(Link(alice, alice, "echo/x", soon, hour, deep[^1]));
            Add("over the depth limit", TokenForge.Token([.. deep]), "more than the limit of 8");
            var noise = new byte[300];
            new Random(7).NextBytes(noise);
            Add("random bytes", noise, "token refused: token is not");
        }

        public async Task DisposeAsync()
        {
            if (Cluster is not null) await Cluster.DisposeAsync();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
