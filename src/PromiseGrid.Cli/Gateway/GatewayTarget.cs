using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PromiseGrid.Cli.Gateway;

/// <summary>
/// The gateway pgrid talks to, and how it trusts an https:// one: a CA of the grid's own
/// (<c>--cacert</c>) instead of the system's roots, and a client certificate (<c>--cert</c>)
/// for a gateway that asks for one.
/// </summary>
public sealed class GatewayTarget
{
    public GatewayTarget(Uri node, X509Certificate2Collection? authorities = null, X509Certificate2? clientCertificate = null)
    {
        Node = node;
        Authorities = authorities;
        ClientCertificate = clientCertificate;
    }

    public Uri Node { get; }

    /// <summary>The CA certificates an https:// gateway's certificate must chain to; null: the system's roots.</summary>
    public X509Certificate2Collection? Authorities { get; }

    /// <summary>Presented to a gateway that asks for a client certificate; null: none.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>The node as the user wrote it, for messages.</summary>
    public string Display => NodeAddress.Display(Node);

    /// <summary>Puts the trust into the handler every request goes through.</summary>
    public void Apply(SocketsHttpHandler handler)
    {
        if (ClientCertificate is not null) handler.SslOptions.ClientCertificates = [ClientCertificate];
        if (Authorities is not { } authorities) return;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
        {
            // The name must still match: only the chain's root is ours to decide.
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            if (presented is not null) chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            return chain.Build(new X509Certificate2(certificate));
        };
    }

    /// <summary>Reads the <c>--cacert</c> PEM file; a usage error names what is wrong with it.</summary>
    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception error) when (error is IOException or CryptographicException or UnauthorizedAccessException)
        {
            throw new UsageException($"--cacert '{path}' cannot be read as PEM certificates: {error.Message}");
        }
        if (authorities.Count == 0) throw new UsageException($"--cacert '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return authorities;
    }

    /// <summary>Reads the <c>--cert</c> PKCS#12 file with its key.</summary>
    public static X509Certificate2 LoadClientCertificate(string path, string password)
    {
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
            return certificate.HasPrivateKey
                ? certificate
                : throw new UsageException($"--cert '{path}' holds no private key: export the certificate together with its key");
        }
        catch (Exception error) when (error is IOException or CryptographicException or UnauthorizedAccessException)
        {
            throw new UsageException($"--cert '{path}' cannot be opened as PKCS#12 with the password in PG_CERT_PASSWORD: {error.Message}");
        }
    }
}
