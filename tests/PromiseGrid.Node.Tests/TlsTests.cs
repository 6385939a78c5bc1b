using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// Mutual TLS between real node processes on loopback: nodes with certificates from the grid's
/// CA (deploy/make-certs.sh) form a cluster over akka.ssl.tcp, a node whose certificate comes
/// from another CA is refused at the handshake and never joins, and bad TLS settings stop a
/// node at once with one clear line.
/// </summary>
public sealed class TlsTests(TlsTests.Certificates certs) : IClassFixture<TlsTests.Certificates>
{
    [Fact]
    public async Task Nodes_with_certificates_from_the_grid_CA_form_a_cluster_over_TLS_and_complete_across_it()
    {
        await using var a = await NodeProcess.StartAsync(certs.Node("nodeA"));
        Assert.StartsWith("akka.ssl.tcp://promisegrid@127.0.0.1:", a.RemotingAddress);
        Assert.Contains(a.Lines, l => l.Contains("remoting tls on certificate=CN=nodeA, O=PromiseGrid ca=CN=PromiseGrid grid CA"));

        // nodeB's file has a password: PG_TLS_PASSWORD opens it. hash/ runs only on B.
        var bEnvironment = certs.Node("nodeB", Certificates.Password);
        bEnvironment["PG_SEEDS"] = a.RemotingAddress;
        bEnvironment["PG_MODULES"] = "echo,sys,hash";
        await using var b = await NodeProcess.StartAsync(bEnvironment);

        string[] up = [];
        await Poll.UntilAsync(async () => (up = await UpMembersAsync(a)).Length == 2,
            TimeSpan.FromSeconds(30), () => $"node A sees Up: [{string.Join(", ", up)}]. A's log:\n{a.Log}");
        Assert.Equal(new[] { a.RemotingAddress, b.RemotingAddress }.Order(StringComparer.Ordinal), up);

        // B's routes reach A by replication, then a completion crosses: A's gateway, B's module.
        HttpResponseMessage? hash = null;
        await Poll.UntilAsync(async () =>
        {
            hash?.Dispose();
            hash = await a.CompleteAsync("hash/sha256/abc"u8.ToArray());
            return hash.StatusCode != HttpStatusCode.NotFound;
        }, TimeSpan.FromSeconds(30), () => $"hash/ never routed from A. A's log:\n{a.Log}");
        using (hash)
        {
            Assert.Equal(HttpStatusCode.OK, hash!.StatusCode);
            Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", await hash.Content.ReadAsStringAsync());
            Assert.Equal($"hash@{b.RemotingAddress}", Assert.Single(hash.Headers.GetValues("Grid-Provider")));
        }
    }

    [Fact]
    public async Task A_node_whose_certificate_is_from_another_CA_is_refused_and_never_joins()
    {
        await using var a = await NodeProcess.StartAsync(certs.Node("nodeA"));

        // The rogue trusts the grid's CA as well as its own (ca.crt is public), so it would accept
        // A: it is A's check of the rogue's certificate alone that keeps it out.
        var rogueEnvironment = certs.Node("rogue", ca: certs.BothCas);
        rogueEnvironment["PG_SEEDS"] = a.RemotingAddress;
        // The rogue must stay up while it is looked at, however slow the machine (PG_JOIN_TIMEOUT would end it).
        rogueEnvironment["PG_JOIN_TIMEOUT"] = "off";
        await using var rogue = NodeProcess.Launch(rogueEnvironment);
        await rogue.WaitForGatewayAsync();
        var rogueAddress = rogue.RemotingAddress;

        // Over two join attempts (Akka retries after its gate closes, ~10 s), A refuses each
        // handshake, and at no poll is the rogue healthy or a member in A's view.
        await Poll.UntilAsync(async () =>
        {
            using (var health = await rogue.Http.GetAsync(new Uri(rogue.Gateway, "/health")))
                Assert.True(health.StatusCode == HttpStatusCode.ServiceUnavailable, $"the rogue's /health answered {(int)health.StatusCode}. Log:\n{rogue.Log}");
            var members = await MemberAddressesAsync(a);
            Assert.DoesNotContain(rogueAddress, members);
            return a.Lines.Count(l => l.Contains("[WARNING]") && l.Contains("tls peer refused") && l.Contains("subject=CN=rogue")) >= 2
                && rogue.Lines.Any(l => l.Contains("node not joined after"));
        }, TimeSpan.FromSeconds(40), () => $"A did not refuse the rogue twice. A's log:\n{a.Log}\nrogue's log:\n{rogue.Log}");

        var refusal = a.Lines.First(l => l.Contains("tls peer refused") && l.Contains("subject=CN=rogue"));
        Assert.Contains("reason=not issued by the grid CA", refusal);
        Assert.Equal([a.RemotingAddress], await MemberAddressesAsync(a));

        // A keeps serving.
        using var health = await a.Http.GetAsync(new Uri(a.Gateway, "/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var echo = await a.CompleteAsync("echo/still here"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Equal("still here", await echo.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("certificate without CA", "PG_TLS_CERT is set but PG_TLS_CA is not")]
    [InlineData("CA without certificate", "PG_TLS_CA is set but PG_TLS_CERT is not")]
    [InlineData("missing certificate file", "/nosuch.pfx' does not exist")]
    [InlineData("wrong password", "nodeB.pfx' cannot be opened with the password in PG_TLS_PASSWORD (set): wrong password")]
    [InlineData("password missing", "nodeB.pfx' cannot be opened with the password in PG_TLS_PASSWORD (empty): wrong password")]
    [InlineData("pfx without private key", "nokey.pfx' (CN=nodeA, O=PromiseGrid) holds no private key")]
    [InlineData("missing CA file", "/nosuch-ca.crt' does not exist")]
    [InlineData("CA file is a node certificate", "which is not a CA certificate")]
    [InlineData("certificate from another CA", "would be refused by the other nodes: not issued by the grid CA")]
    [InlineData("plain seed with TLS on", "uses akka.tcp:// but TLS is on (PG_TLS_CERT): use akka.ssl.tcp://")]
    [InlineData("TLS seed with TLS off", "uses akka.ssl.tcp:// but TLS is off")]
    public async Task Bad_TLS_settings_stop_the_node_at_once_with_one_clear_line(string fault, string expected)
    {
        var environment = fault switch
        {
            "certificate without CA" => certs.Node("nodeA", ca: ""),
            "CA without certificate" => new Dictionary<string, string> { ["PG_TLS_CA"] = certs.GridCa },
            "missing certificate file" => certs.Node("nodeA", pfx: Path.Combine(certs.Folder, "nosuch.pfx")),
            "wrong password" => certs.Node("nodeB", "not the password"),
            "password missing" => certs.Node("nodeB"),
            "pfx without private key" => certs.Node("nodeA", pfx: certs.NoKeyPfx),
            "missing CA file" => certs.Node("nodeA", ca: Path.Combine(certs.Folder, "nosuch-ca.crt")),
            "CA file is a node certificate" => certs.Node("nodeA", ca: Path.Combine(certs.Folder, "grid", "nodeA.crt")),
            "certificate from another CA" => certs.Node("rogue", ca: certs.GridCa),
            "plain seed with TLS on" => With(certs.Node("nodeA"), "PG_SEEDS", $"akka.tcp://promisegrid@127.0.0.1:{Ports.Closed()}"),
            "TLS seed with TLS off" => new Dictionary<string, string> { ["PG_SEEDS"] = $"akka.ssl.tcp://promisegrid@127.0.0.1:{Ports.Closed()}" },
            _ => throw new ArgumentException(fault),
        };
        await using var node = NodeProcess.Launch(environment);
        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 2, $"exit code {exitCode}. Log:\n{node.Log}");
        var line = Assert.Single(node.Lines, l => l.StartsWith("promisegrid-node: "));
        Assert.Contains(expected, line);
        Assert.DoesNotContain(Certificates.Password, line);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> environment, string key, string value)
    {
        environment[key] = value;
        return environment;
    }

    private static async Task<string[]> MemberAddressesAsync(NodeProcess node) =>
        [.. (await MembersAsync(node)).Select(m => m.GetProperty("address").GetString()!)];

    private static async Task<string[]> UpMembersAsync(NodeProcess node) =>
        [
            .. (await MembersAsync(node))
                .Where(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean())
                .Select(m => m.GetProperty("address").GetString()!)
                .Order(StringComparer.Ordinal),
        ];

    private static async Task<JsonElement[]> MembersAsync(NodeProcess node)
    {
        using var response = await node.CompleteAsync(Encoding.UTF8.GetBytes("sys/members"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var members = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. members.RootElement.EnumerateArray().Select(m => m.Clone())];
    }

    /// <summary>
    /// Made once for the class by deploy/make-certs.sh: a grid CA with nodeA (no password) and
    /// nodeB (a password), another CA with rogue, a file trusting both CAs, and a .pfx holding
    /// nodeA's certificate without its key.
    /// </summary>
    public sealed class Certificates : IAsyncLifetime
    {
        public const string Password = "grid-secret-42";

        public string Folder { get; } = Directory.CreateTempSubdirectory("pg-tls-").FullName;
        public string GridCa => Path.Combine(Folder, "grid", "ca.crt");
        public string BothCas => Path.Combine(Folder, "both-cas.crt");
        public string NoKeyPfx => Path.Combine(Folder, "nokey.pfx");

        /// <summary>The environment of a node presenting NAME's certificate and trusting <paramref name="ca"/> (default: the grid CA).</summary>
        public Dictionary<string, string> Node(string name, string? password = null, string? pfx = null, string? ca = null)
        {
            var environment = new Dictionary<string, string>
            {
                ["PG_TLS_CERT"] = pfx ?? Path.Combine(Folder, name == "rogue" ? "other" : "grid", name + ".pfx"),
                ["PG_TLS_CA"] = ca ?? GridCa,
            };
            if (password is not null) environment["PG_TLS_PASSWORD"] = password;
            return environment;
        }

        public async Task InitializeAsync()
        {
            await MakeCerts.RunAsync(Path.Combine(Folder, "grid"), ["nodeA"]);
            await MakeCerts.RunAsync(Path.Combine(Folder, "grid"), ["nodeB"], Password);
            await MakeCerts.RunAsync(Path.Combine(Folder, "other"), ["rogue"]);
            await File.WriteAllTextAsync(BothCas,
                await File.ReadAllTextAsync(Path.Combine(Folder, "other", "ca.crt")) + await File.ReadAllTextAsync(GridCa));
            using var openssl = Process.Start("openssl",
                ["pkcs12", "-export", "-nokeys", "-in", Path.Combine(Folder, "grid", "nodeA.crt"), "-passout", "pass:", "-out", NoKeyPfx])!;
            await openssl.WaitForExitAsync();
            Assert.Equal(0, openssl.ExitCode);
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Folder, recursive: true);
            return Task.CompletedTask;
        }
    }
}
