using System.Reflection;
using Akka.Actor;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Modules;
using PromiseGrid.Hosting.Configuration;

namespace PromiseGrid.Hosting.Node;

/// <summary>A module the node will start: the name from PG_MODULES, the actor name and its Props.</summary>
internal sealed record ModuleEntry(string Name, string ActorName, Props Props);

/// <summary>
/// Turns the PG_MODULES list into actors to start: a built-in name (<c>echo</c>), or the full
/// type name of a <see cref="ModuleActor"/> in an assembly under the plugins folder
/// (<c>Acme.Grid.UpperModule</c>, optionally <c>, Acme.Grid</c> to name the assembly).
/// </summary>
internal sealed class ModuleLoader(string pluginsFolder)
{
    private List<Type>? _pluginTypes;

    public IReadOnlyList<ModuleEntry> Resolve(IEnumerable<string> names)
    {
        var entries = new List<ModuleEntry>();
        var actorNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var entry = BuiltInModules.All.TryGetValue(name, out var props)
                ? new ModuleEntry(name, name.ToLowerInvariant(), props())
                : FromPlugin(name);
            if (!actorNames.Add(entry.ActorName))
                throw new NodeConfigurationException($"PG_MODULES names module '{name}' twice");
            entries.Add(entry);
        }
        return entries;
    }

    private ModuleEntry FromPlugin(string name)
    {
        var typeName = name.Split(',', 2, StringSplitOptions.TrimEntries);
        var candidates = PluginTypes()
            .Where(t => t.FullName == typeName[0] && (typeName.Length == 1 || t.Assembly.GetName().Name == typeName[1]))
            .ToList();
        if (candidates.Count == 0)
            throw new NodeConfigurationException(
                $"unknown module '{name}' in PG_MODULES: not a built-in ({string.Join(", ", BuiltInModules.All.Keys)}) " +
                $"and no ModuleActor type of that full name in the plugins folder {pluginsFolder}" +
                (Directory.Exists(pluginsFolder) ? "" : " (the folder does not exist)"));
        if (candidates.Count > 1)
            throw new NodeConfigurationException(
                $"module '{name}' is ambiguous: found in {string.Join(", ", candidates.Select(t => t.Assembly.GetName().Name))}; add ', AssemblyName'");
        var type = candidates[0];
        if (type.GetConstructor(Type.EmptyTypes) is null)
            throw new NodeConfigurationException($"module type {type.FullName} needs a public parameterless constructor");
        return new ModuleEntry(name, type.Name, Props.Create(type));
    }

    /// <summary>Every concrete ModuleActor in the plugins folder; the folder is read once.</summary>
    private List<Type> PluginTypes()
    {
        if (_pluginTypes is not null) return _pluginTypes;
        _pluginTypes = [];
        if (!Directory.Exists(pluginsFolder)) return _pluginTypes;
        var context = new PluginLoadContext(pluginsFolder);
        foreach (var path in Directory.EnumerateFiles(pluginsFolder, "*.dll").Order(StringComparer.Ordinal))
        {
            AssemblyName assemblyName;
            try
            {
                assemblyName = AssemblyName.GetAssemblyName(path);
            }
            catch (BadImageFormatException)
            {
                continue; // a native library or other non-.NET file
            }
            if (PluginLoadContext.IsNodeAssembly(assemblyName)) continue;
            Type?[] types;
            try
            {
                types = context.LoadFromAssemblyPath(path).GetTypes();
            }
            catch (ReflectionTypeLoadException partial)
            {
                types = partial.Types;
            }
            catch (Exception error) when (error is FileLoadException or BadImageFormatException)
            {
                throw new NodeConfigurationException($"plugin assembly {path} cannot be loaded: {error.Message}");
            }
            _pluginTypes.AddRange(types.Where(t => t is { IsAbstract: false, IsPublic: true } && typeof(ModuleActor).IsAssignableFrom(t))!);
        }
        return _pluginTypes;
    }
}
