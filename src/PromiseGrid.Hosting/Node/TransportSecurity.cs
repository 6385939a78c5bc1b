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
public sealed class TransportSecurity
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

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
        var certificate = LoadCertificate(settings.CertificatePath, settings.Password);
        var authorities = LoadAuthorities(settings.CaPath);
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
    private string? Check(X509Certificate2 certificate, X509Certificate2Collection? intermediates = null)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_authorities);
        if (intermediates is not null) policy.ExtraStore.AddRange(intermediates);
        // Certificates are short-lived and the CA is replaced rather than revoked from: there is
        // no revocation list to consult, and a node must not reach out to the network for one.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.ApplicationPolicy.Add(ServerAuthentication);
        policy.ApplicationPolicy.Add(ClientAuthentication);
        if (chain.Build(certificate)) return null;
        var problems = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToList();
        return string.Join("; ", problems.Select(Explain));
    }

    private static string Explain(X509ChainStatusFlags status) => status switch
    {
        X509ChainStatusFlags.PartialChain or X509ChainStatusFlags.UntrustedRoot => "not issued by the grid CA",
        X509ChainStatusFlags.NotTimeValid => "expired or not yet valid",
        X509ChainStatusFlags.NotValidForUsage => "not valid for both TLS server and client authentication",
        X509ChainStatusFlags.NotSignatureValid => "bad signature",
        _ => status.ToString(),
    };

    private string DescribeAuthorities() => string.Join(" | ", _authorities.Select(a => a.Subject));

    private static X509Certificate2 LoadCertificate(string path, string password)
    {
        if (!File.Exists(path))
            throw new NodeConfigurationException($"PG_TLS_CERT '{path}' does not exist (make node certificates with deploy/make-certs.sh)");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException error) when (error.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
        {
            throw new NodeConfigurationException($"PG_TLS_CERT '{path}' cannot be opened with the password in PG_TLS_PASSWORD ({(password.Length == 0 ? "empty" : "set")}): wrong password");
        }
        catch (CryptographicException error)
        {
            throw new NodeConfigurationException($"PG_TLS_CERT '{path}' is not a PKCS#12 (.pfx) file: {error.Message}");
        }
        catch (UnauthorizedAccessException error)
        {
            throw new NodeConfigurationException($"PG_TLS_CERT '{path}' cannot be read: {error.Message}");
        }
        if (!certificate.HasPrivateKey)
            throw new NodeConfigurationException($"PG_TLS_CERT '{path}' ({certificate.Subject}) holds no private key: export the certificate together with its key (deploy/make-certs.sh does)");
        return certificate;
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        if (!File.Exists(path))
            throw new NodeConfigurationException($"PG_TLS_CA '{path}' does not exist (the grid CA certificate, ca.crt from deploy/make-certs.sh)");
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception error) when (error is CryptographicException or UnauthorizedAccessException)
        {
            throw new NodeConfigurationException($"PG_TLS_CA '{path}' cannot be read as PEM certificates: {error.Message}");
        }
        if (authorities.Count == 0)
            throw new NodeConfigurationException($"PG_TLS_CA '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        foreach (var authority in authorities)
            if (authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
                throw new NodeConfigurationException($"PG_TLS_CA '{path}' holds {authority.Subject}, which is not a CA certificate (use ca.crt, not a node's certificate)");
        return authorities;
    }
}
