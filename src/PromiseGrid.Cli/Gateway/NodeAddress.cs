namespace PromiseGrid.Cli.Gateway;

/// <summary>Turns the <c>--node</c> / <c>PG_NODE</c> text into the gateway's base URI.</summary>
public static class NodeAddress
{
    public const string Default = "http://127.0.0.1:7070";

    public const string EnvironmentVariable = "PG_NODE";

    /// <summary>
    /// Accepts an absolute http(s) URL. The result always ends in '/', so a gateway mounted under a
    /// path (<c>http://host/grid</c>) keeps that path when endpoints are resolved relative to it.
    /// </summary>
    public static Uri Parse(string text)
    {
        var trimmed = text.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new UsageException($"bad node URL '{text}': expected http://host:port or https://host:port");
        }
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw new UsageException($"bad node URL '{text}': a query or fragment is not allowed");
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    /// <summary>The URL as the user would write it, for messages (no trailing slash for a bare host).</summary>
    public static string Display(Uri node) =>
        node.AbsolutePath == "/" ? node.GetLeftPart(UriPartial.Authority) : node.AbsoluteUri.TrimEnd('/');
}
