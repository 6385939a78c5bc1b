using Akka.Actor;
using PromiseGrid.Hosting.Node;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>
/// What the gateway's endpoints share: the node, found in the host's services on first use (the
/// actor system starts with the host, after the endpoints are mapped), the gateway's instruments
/// (on that node's meter, so they are made with the node too), and the count of dropped requests,
/// summed up in the log until the host stops.
/// </summary>
internal sealed class GatewayContext(IServiceProvider services)
{
    private GridNode? _node;
    private GatewayMetrics? _metrics;
    private DroppedRequests? _dropped;

    public GridNode Node => _node ??= GridNode.Get(services.GetRequiredService<ActorSystem>());

    public GatewayMetrics Metrics
    {
        get
        {
            if (_metrics is { } known) return known;
            var node = Node;
            var made = new GatewayMetrics(node.System);
            if (Interlocked.CompareExchange(ref _metrics, made, null) is { } winner)
            {
                made.Dispose();
                return winner;
            }
            node.System.WhenTerminated.ContinueWith(_ => made.Dispose(), TaskScheduler.Default);
            return made;
        }
    }

    public DroppedRequests Dropped
    {
        get
        {
            if (_dropped is { } known) return known;
            var made = new DroppedRequests(Node.Log, Metrics);
            if (Interlocked.CompareExchange(ref _dropped, made, null) is { } winner)
            {
                made.Dispose();
                return winner;
            }
            services.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(made.Dispose);
            return made;
        }
    }
}
