using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromiseGrid.Cli.Gateway;

/// <summary>One entry of <c>GET /routes</c> (README.md#http-gateway).</summary>
public sealed record RouteInfo(
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("prefixHex")] string? PrefixHex,
    [property: JsonPropertyName("module")] string Module,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("pure")] bool Pure,
    [property: JsonPropertyName("reachable")] bool? Reachable = null,
    [property: JsonPropertyName("fallback")] bool? Fallback = null)
{
    /// <summary>Whether the route serves only what no other route does (the empty prefix); a node that does not say has none.</summary>
    public bool IsFallback => Fallback ?? false;

    /// <summary>Whether the router uses the route now; a node that does not say is taken at its word (true).</summary>
    public bool IsReachable => Reachable ?? true;

    /// <summary>
    /// Reads the node's route list. A body that is not that list is the node's fault, so it is a grid
    /// error (exit 1) with the parser's reason, not a crash.
    /// </summary>
    public static IReadOnlyList<RouteInfo> ParseList(byte[] json)
    {
        try
        {
            var routes = JsonSerializer.Deserialize(json, RouteJsonContext.Default.RouteInfoArray)
                         ?? throw new JsonException("the body is null, expected an array");
            foreach (var route in routes)
            {
                if (route is null || route.Prefix is null || route.Module is null || route.Node is null)
                    throw new JsonException("each route needs 'prefix', 'module' and 'node'");
            }
            return routes;
        }
        catch (JsonException e)
        {
            throw new GatewayException($"node sent an unreadable route list: {Output.OneLine.Of(e.Message, 200)}", 200);
        }
    }
}

/// <summary>Source-generated JSON metadata: no reflection at run time, and trimming-safe.</summary>
[JsonSerializable(typeof(RouteInfo[]))]
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
internal sealed partial class RouteJsonContext : JsonSerializerContext;
