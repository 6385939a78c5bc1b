using Akka.Actor;
using Akka.Cluster;

namespace PromiseGrid.Node;

/// <summary>
/// The exit codes the stock node promises its supervisor (README "Exit codes"). A node that can
/// no longer serve exits non-zero, so a restart policy that restarts only failures
/// (Docker's on-failure, a systemd Restart=on-failure) starts it afresh too; a stop asked for
/// (SIGTERM, Ctrl-C) exits 0.
/// </summary>
internal sealed record NodeExit(int Code, string Reason)
{
    public const int Stopped = 0;

    /// <summary>The gateway could not start, or the actor system ended for a reason no other code names.</summary>
    public const int Failed = 1;

    /// <summary>A setting is unusable; the node never started.</summary>
    public const int BadSettings = 2;

    /// <summary>No seed accepted the join within PG_JOIN_TIMEOUT.</summary>
    public const int NotJoined = 3;

    /// <summary>The cluster downed this node (split-brain resolver or an operator).</summary>
    public const int Downed = 4;

    /// <summary>Another member told this node to leave, and it was removed.</summary>
    public const int Removed = 5;

    /// <summary>
    /// The code for why the actor system ended: Akka records the first reason given to
    /// CoordinatedShutdown, so a SIGTERM during a join or a leave still reads as a stop.
    /// </summary>
    public static NodeExit Of(ActorSystem system)
    {
        var reason = CoordinatedShutdown.Get(system).ShutdownReason;
        return reason switch
        {
            CoordinatedShutdown.ClrExitReason => new(Stopped, "stopped"),
            CoordinatedShutdown.ClusterJoinUnsuccessfulReason => new(NotJoined,
                $"not joined within {Cluster.Get(system).Settings.ShutdownAfterUnsuccessfulJoinSeedNodes?.TotalSeconds:0.#}s (PG_JOIN_TIMEOUT): no seed node accepted the join"),
            CoordinatedShutdown.ClusterDowningReason => new(Downed, "downed by the cluster"),
            CoordinatedShutdown.ClusterLeavingReason => new(Removed, "removed from the cluster after another member told it to leave"),
            null => new(Failed, "the actor system ended without a shutdown reason"),
            _ => new(Failed, $"the actor system ended: {reason.GetType().Name}"),
        };
    }
}
