using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Hyperion;

namespace PromiseGrid.Kernel.Serialization;

/// <summary>
/// Akka's <see cref="HyperionSerializer"/> (same id, same wire format) whose
/// <c>allowed-types</c> list works in both directions: only the listed types are serialized
/// or deserialized; every other type is refused with an exception (the message is dropped
/// and logged by remoting, the association stays up).
/// </summary>
/// <remarks>
/// Hyperion 0.12.2 keeps the allowed types as short names (<c>"Akka.Done, Akka"</c>), the form
/// they take on the wire, so deserialization filters correctly. But its serializer checks the
/// type's full <see cref="Type.AssemblyQualifiedName"/> (with Version, Culture and
/// PublicKeyToken) against that same list, which never matches: with the stock filter a
/// non-empty <c>allowed-types</c> refuses to serialize even the types it lists. This filter
/// brings every name to Hyperion's short form before looking it up, so both checks agree. It
/// compares names only and never loads a type, like Hyperion's own filter. Hyperion applies a
/// type filter only while <c>disallow-unsafe-type</c> is on.
/// </remarks>
internal sealed class AllowListHyperionSerializer : HyperionSerializer
{
    public AllowListHyperionSerializer(ExtendedActorSystem system) : this(system, ConfigurationFactory.Empty)
    {
    }

    /// <param name="config">The <c>akka.actor.serialization-settings.hyperion</c> block, as Akka passes it.</param>
    public AllowListHyperionSerializer(ExtendedActorSystem system, Config config)
        : base(system, WithShortNameFilter(HyperionSerializerSettings.Create(
            config.WithFallback(DefaultConfiguration().GetConfig("akka.actor.serialization-settings.hyperion")))))
    {
    }

    private static HyperionSerializerSettings WithShortNameFilter(HyperionSerializerSettings settings) =>
        settings.TypeFilter is TypeFilter listed
            ? settings.WithTypeFilter(new ShortNameTypeFilter(listed.FilteredTypes))
            : settings; // no allowed-types: Hyperion's DisabledTypeFilter, which allows every type
}

/// <summary>Allows exactly the listed types, whether a name comes short (from the wire) or fully qualified (from a local type).</summary>
internal sealed class ShortNameTypeFilter(ImmutableHashSet<string> allowedShortNames) : ITypeFilter
{
    // The same normalization as Hyperion's TypeEx.GetShortAssemblyQualifiedName (internal there).
    private static readonly string CoreAssemblySuffix = CoreSuffix();

    private static readonly Regex AssemblyDetails = new(
        @"(, Version=([\d\.]+))?(, Culture=[^,\] \t]+)?(, PublicKeyToken=(null|[\da-f]+))?",
        RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    public ImmutableHashSet<string> AllowedShortNames { get; } = allowedShortNames;

    public bool IsAllowed(string typeName) =>
        AllowedShortNames.Contains(typeName) || AllowedShortNames.Contains(ShortName(typeName));

    /// <summary>Hyperion's short form of an assembly-qualified type name.</summary>
    public static string ShortName(string assemblyQualifiedName) =>
        AssemblyDetails.Replace(assemblyQualifiedName.Replace(CoreAssemblySuffix, ",%core%"), string.Empty);

    private static string CoreSuffix()
    {
        var name = typeof(int).AssemblyQualifiedName!;
        return name[name.IndexOf(", Version", StringComparison.Ordinal)..];
    }
}
