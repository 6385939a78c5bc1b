using System.Text.Json.Serialization;
using Akka.Actor;

namespace PromiseGrid.Kernel.Membership;

/// <summary>
/// A cluster member as operators see it, in <c>sys/members</c> and in the dashboard's
/// <c>GET /dashboard/state</c>: its address, status, roles in order, and whether this node can
/// reach it. <see cref="Self"/> (whether it is this node) is the dashboard's alone: null, so left
/// out, in <c>sys/members</c>.
/// </summary>
internal sealed record MemberView(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("roles")] string[] Roles,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("self"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Self)
{
    /// <summary>The members of <paramref name="system"/>'s cluster as it sees them now.</summary>
    /// <param name="markSelf">Whether to say on each member whether it is this node.</param>
    public static IReadOnlyList<MemberView> Of(ActorSystem system, bool markSelf = false)
    {
        var provider = ((ExtendedActorSystem)system).Provider;
        if (provider is not Akka.Cluster.IClusterActorRefProvider)
        {
            // A node without Akka.Cluster is a grid of one.
            return [new MemberView(provider.DefaultAddress.ToString(), "Up", [], true, markSelf ? true : null)];
        }
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        return state.Members
            .Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.Order().ToArray(),
                !unreachable.Contains(m.Address), markSelf ? m.Address == cluster.SelfAddress : null))
            .ToArray();
    }
}
