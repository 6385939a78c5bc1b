using PromiseGrid.Hosting.Gateway;

namespace PromiseGrid.Hosting;

/// <summary>The node's HTTP gateway on a host's own routing (Kestrel, its URLs, its middleware).</summary>
public static class PromiseGridEndpoints
{
    /// <summary>
    /// Maps <c>POST /complete</c>, <c>GET /routes</c>, <c>GET /health</c>, <c>GET /metrics</c> and the
    /// dashboard, <c>GET /</c> and <c>GET /dashboard/state</c> (README.md, "HTTP gateway") on a host whose services run a PromiseGrid node
    /// (<c>AddAkka("promisegrid", (b, sp) =&gt; b.WithPromiseGrid(...))</c>). The node is looked up
    /// on the first request, so mapping does not start the actor system ahead of the host.
    /// </summary>
    public static IEndpointRouteBuilder MapPromiseGrid(this IEndpointRouteBuilder endpoints) => GatewayEndpoints.Map(endpoints);
}
