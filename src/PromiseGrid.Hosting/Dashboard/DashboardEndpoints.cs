using PromiseGrid.Hosting.Gateway;

namespace PromiseGrid.Hosting.Dashboard;

/// <summary>
/// The live dashboard every gateway serves (README.md#observe-the-dashboard): <c>GET /</c> is the page, its
/// script and style sheet are embedded in this assembly (a node needs no internet), and the page
/// polls <c>GET /dashboard/state</c>, which scripts may read too. On a node that checks tokens the
/// state needs <c>Authorization: Grid &lt;token&gt;</c>: 401 without one, 403 with one the node
/// refuses, the reason in <c>detail</c>; what it shows is cut to the token (<see cref="DashboardScope"/>).
/// </summary>
internal static class DashboardEndpoints
{
    public const string StatePath = "/dashboard/state";

    private static readonly DashboardAsset Page = DashboardAsset.Load("index.html", "text/html; charset=utf-8");
    private static readonly DashboardAsset Script = DashboardAsset.Load("dashboard.js", "text/javascript; charset=utf-8");
    private static readonly DashboardAsset Style = DashboardAsset.Load("dashboard.css", "text/css; charset=utf-8");

    public static void Map(IEndpointRouteBuilder endpoints, GatewayContext gateway)
    {
        // After the host's own endpoints: a host that serves its own page at / keeps it.
        endpoints.MapGet("/", (HttpContext http) => Page.Write(http)).WithOrder(1);
        endpoints.MapGet("/dashboard/dashboard.js", (HttpContext http) => Script.Write(http));
        endpoints.MapGet("/dashboard/dashboard.css", (HttpContext http) => Style.Write(http));
        endpoints.MapGet(StatePath, (HttpContext http) => State(http, gateway));
    }

    private static IResult State(HttpContext http, GatewayContext gateway)
    {
        var node = gateway.Node;
        http.Response.Headers.CacheControl = "no-store";
        var guard = node.Grid.Security;
        if (!guard.Enforced) return Results.Json(DashboardState.Of(node, DashboardScope.Everything));
        if (!GridAuthorization.TryParse(http.Request.Headers.Authorization, out var capability, out var malformed))
            return Refused(StatusCodes.Status403Forbidden, malformed!);
        var token = guard.CheckReader(capability, out var refusal);
        if (token is null)
        {
            if (capability is not null) return Refused(StatusCodes.Status403Forbidden, refusal!);
            http.Response.Headers.WWWAuthenticate = GridAuthorization.Scheme;
            return Refused(StatusCodes.Status401Unauthorized, refusal!);
        }
        return Results.Json(DashboardState.Of(node, DashboardScope.Of(token)));
    }

    private static IResult Refused(int code, string reason) =>
        Results.Problem(detail: reason, statusCode: code, title: code == StatusCodes.Status401Unauthorized ? "Token required" : "Denied",
            extensions: new Dictionary<string, object?> { ["grid"] = "Denied" });
}
