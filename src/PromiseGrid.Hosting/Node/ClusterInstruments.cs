using System.Diagnostics.Metrics;
using PromiseGrid.Kernel.Diagnostics;

namespace PromiseGrid.Hosting.Node;

/// <summary>Cluster membership as the node sees it, on its <see cref="GridMeters.Cluster"/> meter, read when collected.</summary>
internal static class ClusterInstruments
{
    public static Meter Observe(GridNode node)
    {
        var meter = GridMeters.Create(GridMeters.Cluster, node.System);
        meter.CreateObservableGauge("promisegrid_cluster_members", () => node.Cluster.State.Members.Count,
            description: "Members of the cluster as this node sees it.");
        return meter;
    }
}
