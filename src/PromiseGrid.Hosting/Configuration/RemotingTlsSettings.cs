namespace PromiseGrid.Hosting.Configuration;

/// <summary>
/// Mutual TLS between nodes (<c>promisegrid.node.tls</c> in config/node.conf): the node's own
/// certificate and key, and the grid CA its peers' certificates must chain to. Only paths and
/// the password are held here; the node's TransportSecurity reads the files.
/// </summary>
/// <param name="CertificatePath">Full path of the node's PKCS#12 file (PG_TLS_CERT); empty: TLS off.</param>
/// <param name="Password">Password of that file (PG_TLS_PASSWORD); empty for none.</param>
/// <param name="CaPath">Full path of the grid CA certificate(s), PEM (PG_TLS_CA); several are all trusted.</param>
public sealed record RemotingTlsSettings(string CertificatePath, string Password, string CaPath)
{
    /// <summary>Plain TCP between nodes.</summary>
    public static RemotingTlsSettings Off { get; } = new("", "", "");

    /// <summary>On when a certificate is configured; the CA is then required (checked on load).</summary>
    public bool Enabled => CertificatePath.Length > 0;

    /// <summary>The Akka address protocol of this node and of every seed it may name.</summary>
    public string Protocol => Enabled ? "akka.ssl.tcp" : "akka.tcp";

    /// <summary>The password stays out of logs and exception messages.</summary>
    public override string ToString() =>
        Enabled ? $"RemotingTlsSettings {{ CertificatePath = {CertificatePath}, CaPath = {CaPath} }}" : "RemotingTlsSettings { Off }";
}
