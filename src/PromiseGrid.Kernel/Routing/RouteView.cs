using System.Text.Json.Serialization;
using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Routing;

/// <summary>
/// A route as operators see it, in <c>GET /routes</c> and <c>sys/routes</c>: the prefix in
/// text notation and hex, the module, and the node's address.
/// </summary>
public sealed record RouteView(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("prefixHex")] string PrefixHex,
    [property: JsonPropertyName("module")] string Module,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("pure")] bool Pure)
{
    public static RouteView Of(Route route) => new(
        route.Prefix.ToString(),
        Convert.ToHexStringLower(route.Prefix.Span),
        route.Module,
        route.Node.ToString(),
        route.Pure);
}
