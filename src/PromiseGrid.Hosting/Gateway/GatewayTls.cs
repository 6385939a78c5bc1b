using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Hosting.Node;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>
/// The gateway's HTTPS: its certificate, and the CA that clients' certificates must chain to
/// when the node asks for them. Loaded and checked before anything starts, then applied to
/// Kestrel's HTTPS defaults.
/// </summary>
internal sealed class GatewayTls
{
    private static readonly System.Security.Cryptography.Oid[] ClientUsage = [CertificateFiles.ClientAuthentication];

    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection? _clientAuthorities;

    private GatewayTls(X509Certificate2 certificate, X509Certificate2Collection? clientAuthorities)
    {
        _certificate = certificate;
        _clientAuthorities = clientAuthorities;
    }

    /// <summary>Reads the files; null when the gateway is plain HTTP. Faults are <see cref="NodeConfigurationException"/>s naming them.</summary>
    public static GatewayTls? Load(GatewayTlsSettings settings)
    {
        if (!settings.Enabled) return null;
        var certificate = CertificateFiles.LoadPkcs12(settings.CertificatePath, settings.Password, "PG_HTTPS_CERT", "PG_HTTPS_PASSWORD",
            "deploy/make-certs.sh makes one per node name; its .pfx serves HTTPS too");
        var clients = settings.RequiresClientCertificates ? CertificateFiles.LoadAuthorities(settings.ClientCaPath, "PG_HTTPS_CLIENT_CA") : null;
        return new GatewayTls(certificate, clients);
    }

    /// <summary>What the node logs at start.</summary>
    public static string Describe(GatewayTls? tls) =>
        tls is null
            ? "gateway tls off"
            : $"gateway tls on certificate={tls._certificate.Subject} expires={tls._certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} client_certificates="
              + (tls._clientAuthorities is null ? "none" : $"required ca={CertificateFiles.Describe(tls._clientAuthorities)}");

    /// <summary>Kestrel's HTTPS defaults: the certificate, and the client check when one is asked for.</summary>
    public void Apply(HttpsConnectionAdapterOptions https)
    {
        https.ServerCertificate = _certificate;
        if (_clientAuthorities is not { } authorities) return;
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        // The system's roots would admit any publicly issued certificate: only the named CA counts.
        https.ClientCertificateValidation = (certificate, chain, _) =>
            CertificateFiles.Check(certificate, authorities, ClientUsage, chain?.ChainPolicy.ExtraStore) is null;
    }
}
