using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using PromiseGrid.Hosting.Configuration;

namespace PromiseGrid.Hosting.Node;

/// <summary>
/// Mutual TLS for Akka.Remote: the node's certificate and the grid CA, loaded and checked
/// before the actor system starts, and handed to Akka's DotNetty transport as a
/// <see cref="DotNettySslSetup"/> with mutual authentication required and a peer check of our
/// own: the peer's certificate must chain to the grid CA (custom root trust, never the
/// system's roots, which would admit any publicly issued certificate) and be good for both
/// server and client authentication, since every node both dials and is dialled.
/// </summary>
/// <remarks>
/// Host names are not checked. The server side of a connection cannot check one at all (an
/// inbound connection names no host), so a check would guard one direction only; and nodes
/// are dialled by service names, IP addresses or aliases that the certificate need not list.
/// Membership is what TLS decides here: holding a key certified by the grid CA makes a node a
/// grid node, and within the grid every member is trusted alike.
/// </remarks>
internal sealed class TransportSecurity
{
    // Every node both dials and is dialled.
    private static readonly Oid[] Usages = [CertificateFiles.ServerAuthentication, CertificateFiles.ClientAuthentication];

    private readonly X509Certificate2Collection _authorities;

    private TransportSecurity(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        _authorities = authorities;
    }

    /// <summary>The node's own certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The grid CA certificates peers must chain to.</summary>
    public IReadOnlyList<X509Certificate2> Authorities => [.. _authorities];

    /// <summary>
    /// Reads the certificate and the CA named in <paramref name="settings"/>; null when TLS is off.
    /// Throws <see cref="NodeConfigurationException"/> naming the file and what is wrong with it:
    /// missing, wrong password, no private key, not a CA, or a node certificate the CA did not sign.
    /// </summary>
    public static TransportSecurity? Load(RemotingTlsSettings settings)
    {
        if (!settings.Enabled) return null;
        var certificate = CertificateFiles.LoadPkcs12(settings.CertificatePath, settings.Password, "PG_TLS_CERT", "PG_TLS_PASSWORD",
            "make node certificates with deploy/make-certs.sh");
        var authorities = CertificateFiles.LoadAuthorities(settings.CaPath, "PG_TLS_CA");
        var security = new TransportSecurity(certificate, authorities);
        // A node whose own certificate its peers would refuse could never join: say so now,
        // rather than through refused handshakes on the other nodes.
        if (security.Check(certificate) is { } reason)
            throw new NodeConfigurationException(
                $"PG_TLS_CERT '{settings.CertificatePath}' ({certificate.Subject}) would be refused by the other nodes: {reason} (PG_TLS_CA '{settings.CaPath}': {security.DescribeAuthorities()})");
        return security;
    }

    /// <summary>What the node logs at start: which certificate it presents and which CA it trusts.</summary>
    public static string Describe(TransportSecurity? security) =>
        security is null
            ? "remoting tls off"
            : $"remoting tls on certificate={security.Certificate.Subject} ca={security.DescribeAuthorities()} expires={security.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}";

    /// <summary>Mutual authentication required; every peer certificate goes through <see cref="ValidatePeer"/>.</summary>
    public DotNettySslSetup DotNettySetup() =>
        new(Certificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: ValidatePeer);

    /// <summary>
    /// Akka's transport calls this on both ends of every handshake. The errors SslStream found
    /// are ignored on purpose: they come from a chain built against the system's roots, where
    /// the grid CA is not; the chain is built again here against the grid CA alone.
    /// </summary>
    private bool ValidatePeer(X509Certificate2? certificate, X509Chain? presented, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (certificate is null)
        {
            log.Warning("tls peer refused peer={0} reason=no certificate presented", peer);
            return false;
        }
        var reason = Check(certificate, presented?.ChainPolicy.ExtraStore);
        if (reason is null) return true;
        log.Warning("tls peer refused peer={0} subject={1} issuer={2} reason={3}", peer, certificate.Subject, certificate.Issuer, reason);
        return false;
    }

    /// <summary>Why <paramref name="certificate"/> is not a grid node's certificate, or null when it is.</summary>
    private string? Check(X509Certificate2 certificate, X509Certificate2Collection? intermediates = null) =>
        CertificateFiles.Check(certificate, _authorities, Usages, intermediates);

    private string DescribeAuthorities() => CertificateFiles.Describe(_authorities);
}
