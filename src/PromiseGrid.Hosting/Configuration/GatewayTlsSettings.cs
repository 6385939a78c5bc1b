namespace PromiseGrid.Hosting.Configuration;

/// <summary>
/// HTTPS on the gateway (<c>promisegrid.node.https</c> in config/node.conf): its certificate and,
/// optionally, the CA its clients' certificates must chain to. Paths and the password only;
/// <see cref="Gateway.GatewayTls"/> reads the files.
/// </summary>
/// <param name="CertificatePath">Full path of the gateway's PKCS#12 file (PG_HTTPS_CERT); empty: plain HTTP.</param>
/// <param name="Password">Password of that file (PG_HTTPS_PASSWORD); empty for none.</param>
/// <param name="ClientCaPath">Full path of the CA (PEM) client certificates must chain to (PG_HTTPS_CLIENT_CA); empty: none asked for.</param>
public sealed record GatewayTlsSettings(string CertificatePath, string Password, string ClientCaPath)
{
    public static GatewayTlsSettings Off { get; } = new("", "", "");

    public bool Enabled => CertificatePath.Length > 0;

    /// <summary>Clients must present a certificate from <see cref="ClientCaPath"/>.</summary>
    public bool RequiresClientCertificates => ClientCaPath.Length > 0;

    /// <summary>The password stays out of logs and exception messages.</summary>
    public override string ToString() =>
        Enabled ? $"GatewayTlsSettings {{ CertificatePath = {CertificatePath}, ClientCaPath = {ClientCaPath} }}" : "GatewayTlsSettings { Off }";
}
