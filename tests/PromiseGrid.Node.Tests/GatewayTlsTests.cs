using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// The gateway over HTTPS, against real node processes and the real pgrid: a certificate from
/// deploy/make-certs.sh, clients that trust the grid CA with --cacert, client certificates
/// required from a CA when the node asks for them, and settings that cannot work refused at start.
/// </summary>
public sealed class GatewayTlsTests(GatewayTlsTests.Certificates certs) : IClassFixture<GatewayTlsTests.Certificates>
{
    [Fact]
    public async Task An_https_gateway_serves_clients_that_trust_the_grid_CA_and_no_others()
    {
        await using var node = await NodeProcess.StartAsync(certs.TrustingHandler(), new Dictionary<string, string>
        {
            ["PG_HTTP"] = "https://127.0.0.1:0",
            ["PG_HTTPS_CERT"] = certs.NodePfx,
        });
        Assert.StartsWith("https://", node.Gateway.ToString());
        Assert.Contains(node.Lines, l => l.Contains("gateway tls on certificate=CN=node1") && l.Contains("client_certificates=none"));

        var trusted = await CliProcess.RunAsync(null, "--node", node.Gateway.ToString(), "--cacert", certs.Ca, "complete", "echo/over tls");
        Assert.True(trusted.ExitCode == 0, trusted.Stderr);
        Assert.Equal("over tls", trusted.StdoutText);

        // Without the grid CA the system's roots decide, and they do not know it.
        var untrusted = await CliProcess.RunAsync(null, "--node", node.Gateway.ToString(), "complete", "echo/over tls");
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Empty(untrusted.Stdout);
    }

    [Fact]
    public async Task A_gateway_that_requires_client_certificates_serves_only_holders_of_one_from_its_CA()
    {
        await using var node = await NodeProcess.StartAsync(certs.TrustingHandler(certs.ClientPfx), new Dictionary<string, string>
        {
            ["PG_HTTP"] = "https://127.0.0.1:0",
            ["PG_HTTPS_CERT"] = certs.NodePfx,
            ["PG_HTTPS_CLIENT_CA"] = certs.Ca,
        });
        Assert.Contains(node.Lines, l => l.Contains("client_certificates=required ca=CN=PromiseGrid grid CA"));

        var holder = await CliProcess.RunAsync(null, "--node", node.Gateway.ToString(), "--cacert", certs.Ca, "--cert", certs.ClientPfx, "complete", "echo/mine");
        Assert.True(holder.ExitCode == 0, holder.Stderr);
        Assert.Equal("mine", holder.StdoutText);

        var none = await CliProcess.RunAsync(null, "--node", node.Gateway.ToString(), "--cacert", certs.Ca, "complete", "echo/mine");
        Assert.Equal(1, none.ExitCode);

        var stranger = await CliProcess.RunAsync(null, "--node", node.Gateway.ToString(), "--cacert", certs.Ca, "--cert", certs.StrangerPfx, "complete", "echo/mine");
        Assert.Equal(1, stranger.ExitCode);
        Assert.Empty(stranger.Stdout);
    }

    [Theory]
    [InlineData("https://127.0.0.1:0", null, null, "PG_HTTP is https://127.0.0.1:0 but PG_HTTPS_CERT is not set")]
    [InlineData("http://127.0.0.1:0", "node", null, "PG_HTTPS_CERT is set but PG_HTTP is http://")]
    [InlineData("http://127.0.0.1:0", null, "ca", "PG_HTTPS_CLIENT_CA is set but PG_HTTP is http://")]
    [InlineData("https://127.0.0.1:0", "/nonexistent.pfx", null, "PG_HTTPS_CERT '/nonexistent.pfx' does not exist")]
    [InlineData("https://127.0.0.1:0", "node", "node-crt", "PG_HTTPS_CLIENT_CA")]
    public async Task Https_settings_that_cannot_work_stop_the_node_with_one_line(string http, string? cert, string? clientCa, string expected)
    {
        var environment = new Dictionary<string, string> { ["PG_HTTP"] = http };
        if (cert is not null) environment["PG_HTTPS_CERT"] = cert == "node" ? certs.NodePfx : cert;
        if (clientCa is not null) environment["PG_HTTPS_CLIENT_CA"] = clientCa == "ca" ? certs.Ca : certs.NodeCrt;
        await using var node = NodeProcess.Launch(environment);

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(expected, Assert.Single(node.Lines, l => l.StartsWith("promisegrid-node: ")));
    }

    public sealed class Certificates : IAsyncLifetime
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("pg-https-").FullName;

        public string Ca => Path.Combine(_folder, "grid", "ca.crt");
        public string NodePfx => Path.Combine(_folder, "grid", "node1.pfx");
        public string NodeCrt => Path.Combine(_folder, "grid", "node1.crt");
        public string ClientPfx => Path.Combine(_folder, "grid", "alice.pfx");
        public string StrangerPfx => Path.Combine(_folder, "other", "mallory.pfx");

        /// <summary>A handler for the harness's own health checks: trusts the grid CA, presents <paramref name="clientPfx"/>.</summary>
        public HttpMessageHandler TrustingHandler(string? clientPfx = null)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(Ca);
            var handler = new SocketsHttpHandler();
            if (clientPfx is not null) handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12FromFile(clientPfx, "")];
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
            return handler;
        }

        public async Task InitializeAsync()
        {
            await MakeCerts.RunAsync(Path.Combine(_folder, "grid"), ["node1"]);
            await MakeCerts.RunAsync(Path.Combine(_folder, "grid"), ["--client", "alice"]);
            await MakeCerts.RunAsync(Path.Combine(_folder, "other"), ["--client", "mallory"]);
        }

        public Task DisposeAsync()
        {
            Directory.Delete(_folder, recursive: true);
            return Task.CompletedTask;
        }
    }
}
