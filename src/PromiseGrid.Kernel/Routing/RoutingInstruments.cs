using System.Diagnostics.Metrics;

namespace PromiseGrid.Kernel.Routing;

/// <summary>The route table's figures on the node's <see cref="Diagnostics.GridMeters.Routing"/> meter, read when collected.</summary>
internal static class RoutingInstruments
{
    public static void Observe(Meter meter, RouteTable routes) =>
        meter.CreateObservableGauge("promisegrid_routes", () => routes.Snapshot.ValueCount,
            description: "Routes in this node's table.");
}
