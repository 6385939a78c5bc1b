using System.Text.Json.Serialization;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// A route as operators see it, in <c>GET /routes</c> and <c>sys/routes</c>: the prefix in
/// text notation and hex, the module, the node's address and whether that node is reachable
/// (routes of unreachable nodes are listed but not used). A route for the empty prefix is a
/// fallback: it serves only sequences no other route does (the gpt/ module's, with
/// promisegrid.gpt.fallback = on).
/// </summary>
public sealed record RouteView(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("prefixHex")] string PrefixHex,
    [property: JsonPropertyName("module")] string Module,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("pure")] bool Pure,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("fallback")] bool Fallback)
{
    internal static RouteView Of(Route route, bool reachable) => new(
        route.Prefix.ToString(),
        Convert.ToHexStringLower(route.Prefix.Span),
        route.Module,
        route.Node.ToString(),
        route.Pure,
        reachable,
        route.Prefix.Length == 0);
}
