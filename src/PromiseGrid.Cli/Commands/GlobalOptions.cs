using System.CommandLine;
using PromiseGrid.Cli.Gateway;

namespace PromiseGrid.Cli.Commands;

/// <summary>Options every command accepts.</summary>
public sealed class GlobalOptions
{
    public GlobalOptions(string? nodeFromEnvironment)
    {
        var fallback = string.IsNullOrWhiteSpace(nodeFromEnvironment) ? NodeAddress.Default : nodeFromEnvironment;
        Node = new Option<string>("--node", "-n")
        {
            Description = $"The node's HTTP gateway URL (environment: {NodeAddress.EnvironmentVariable})",
            HelpName = "url",
            // Recursive so it may stand before or after the command name: `pgrid --node X routes`
            // and `pgrid routes --node X` both work.
            Recursive = true,
            DefaultValueFactory = _ => fallback,
        };
        CaCert = new Option<string?>("--cacert")
        {
            Description = "CA certificate (PEM) an https:// gateway's certificate must chain to, instead of the system's roots (environment: PG_CACERT)",
            HelpName = "file",
            Recursive = true,
            DefaultValueFactory = _ => NonEmpty(Environment.GetEnvironmentVariable("PG_CACERT")),
        };
        Cert = new Option<string?>("--cert")
        {
            Description = "client certificate and key (PKCS#12) for a gateway that requires one; password in PG_CERT_PASSWORD (environment: PG_CERT)",
            HelpName = "file",
            Recursive = true,
            DefaultValueFactory = _ => NonEmpty(Environment.GetEnvironmentVariable("PG_CERT")),
        };
    }

    public Option<string> Node { get; }

    public Option<string?> CaCert { get; }

    public Option<string?> Cert { get; }

    /// <summary>The gateway for this invocation; a malformed URL or an unreadable certificate is a usage error.</summary>
    public GatewayTarget GetNode(ParseResult parseResult)
    {
        var node = NodeAddress.Parse(parseResult.GetValue(Node)!);
        var caCert = parseResult.GetValue(CaCert);
        var cert = parseResult.GetValue(Cert);
        return new GatewayTarget(node,
            caCert is null ? null : GatewayTarget.LoadAuthorities(caCert),
            cert is null ? null : GatewayTarget.LoadClientCertificate(cert, Environment.GetEnvironmentVariable("PG_CERT_PASSWORD") ?? ""));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
