using Akka.Configuration;

namespace PromiseGrid.Kernel.Serialization;

/// <summary>
/// How a node tells the cluster which kernel wire format it reads: a cluster role
/// <c>promisegrid-wire-N</c> (N = <see cref="KernelMessageSerializer.FormatVersion"/>), added to
/// whatever roles the operator gave. A member without such a role runs the release before roles were
/// advertised and reads version <see cref="KernelMessageSerializer.OldestReadVersion"/>, so the router
/// sends it nothing newer (docs/wire.md#rolling-upgrades).
/// </summary>
internal static class WireVersionRole
{
    public const string Prefix = "promisegrid-wire-";

    /// <summary>The role this node advertises.</summary>
    public static readonly string Own = Prefix + KernelMessageSerializer.FormatVersion;

    /// <summary>The newest format a member with <paramref name="roles"/> reads.</summary>
    public static int ReadBy(IEnumerable<string> roles)
    {
        var newest = (int)KernelMessageSerializer.OldestReadVersion;
        foreach (var role in roles)
            if (role.StartsWith(Prefix, StringComparison.Ordinal) && int.TryParse(role.AsSpan(Prefix.Length), out var version) && version > newest)
                newest = version;
        return newest;
    }

    /// <summary><paramref name="config"/> with <see cref="Own"/> among <c>akka.cluster.roles</c> (the operator's roles kept).</summary>
    public static Config Advertise(Config config)
    {
        var roles = config.HasPath("akka.cluster.roles") ? config.GetStringList("akka.cluster.roles").ToList() : [];
        if (roles.Contains(Own)) return config;
        roles.RemoveAll(role => role.StartsWith(Prefix, StringComparison.Ordinal));
        roles.Add(Own);
        return ConfigurationFactory.ParseString($"akka.cluster.roles = [{string.Join(", ", roles.Select(r => "\"" + r.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""))}]")
            .WithFallback(config);
    }
}
