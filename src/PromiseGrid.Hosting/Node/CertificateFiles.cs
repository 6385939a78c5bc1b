using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PromiseGrid.Hosting.Configuration;

namespace PromiseGrid.Hosting.Node;

/// <summary>
/// Reads the certificate files a node is configured with (remoting TLS, gateway HTTPS) and
/// checks a presented certificate against a CA of the grid's own. Every fault is a
/// <see cref="NodeConfigurationException"/> naming the variable and the file.
/// </summary>
internal static class CertificateFiles
{
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>A PKCS#12 file with its private key.</summary>
    /// <param name="variable">The setting that named the file (PG_TLS_CERT), for messages.</param>
    /// <param name="passwordVariable">The setting that holds its password, for messages.</param>
    public static X509Certificate2 LoadPkcs12(string path, string password, string variable, string passwordVariable, string hint)
    {
        if (!File.Exists(path))
            throw new NodeConfigurationException($"{variable} '{path}' does not exist ({hint})");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException error) when (error.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
        {
            throw new NodeConfigurationException($"{variable} '{path}' cannot be opened with the password in {passwordVariable} ({(password.Length == 0 ? "empty" : "set")}): wrong password");
        }
        catch (CryptographicException error)
        {
            throw new NodeConfigurationException($"{variable} '{path}' is not a PKCS#12 (.pfx) file: {error.Message}");
        }
        catch (UnauthorizedAccessException error)
        {
            throw new NodeConfigurationException($"{variable} '{path}' cannot be read: {error.Message}");
        }
        if (!certificate.HasPrivateKey)
            throw new NodeConfigurationException($"{variable} '{path}' ({certificate.Subject}) holds no private key: export the certificate together with its key (deploy/make-certs.sh does)");
        return certificate;
    }

    /// <summary>CA certificates in a PEM file; each must be a CA.</summary>
    public static X509Certificate2Collection LoadAuthorities(string path, string variable)
    {
        if (!File.Exists(path))
            throw new NodeConfigurationException($"{variable} '{path}' does not exist (the grid CA certificate, ca.crt from deploy/make-certs.sh)");
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception error) when (error is CryptographicException or UnauthorizedAccessException)
        {
            throw new NodeConfigurationException($"{variable} '{path}' cannot be read as PEM certificates: {error.Message}");
        }
        if (authorities.Count == 0)
            throw new NodeConfigurationException($"{variable} '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        foreach (var authority in authorities)
            if (authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
                throw new NodeConfigurationException($"{variable} '{path}' holds {authority.Subject}, which is not a CA certificate (use ca.crt, not a node's certificate)");
        return authorities;
    }

    /// <summary>
    /// Why <paramref name="certificate"/> does not chain to <paramref name="authorities"/> for
    /// every one of <paramref name="usages"/>, or null when it does. Custom root trust only: the
    /// system's roots would admit any publicly issued certificate.
    /// </summary>
    public static string? Check(X509Certificate2 certificate, X509Certificate2Collection authorities, Oid[] usages,
        X509Certificate2Collection? intermediates = null)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(authorities);
        if (intermediates is not null) policy.ExtraStore.AddRange(intermediates);
        // Certificates are short-lived and the CA is replaced rather than revoked from: there is
        // no revocation list to consult, and a node must not reach out to the network for one.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        foreach (var usage in usages) policy.ApplicationPolicy.Add(usage);
        if (chain.Build(certificate)) return null;
        var problems = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToList();
        return string.Join("; ", problems.Select(status => Explain(status, usages)));
    }

    public static string Describe(X509Certificate2Collection authorities) => string.Join(" | ", authorities.Select(a => a.Subject));

    private static string Explain(X509ChainStatusFlags status, Oid[] usages) => status switch
    {
        X509ChainStatusFlags.PartialChain or X509ChainStatusFlags.UntrustedRoot => "not issued by the grid CA",
        X509ChainStatusFlags.NotTimeValid => "expired or not yet valid",
        X509ChainStatusFlags.NotValidForUsage => $"not valid for {string.Join(" and ", usages.Select(u => u.FriendlyName))}",
        X509ChainStatusFlags.NotSignatureValid => "bad signature",
        _ => status.ToString(),
    };
}
