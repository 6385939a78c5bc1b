using System.Reflection;
using System.Runtime.Loader;

namespace PromiseGrid.Hosting.Node;

/// <summary>
/// Loads third-party module assemblies from the plugins folder. Any assembly the node itself
/// has (PromiseGrid.Kernel, Akka, ...) comes from the node, so a plugin's
/// <c>ModuleActor</c> is the node's <c>ModuleActor</c> even when the plugin folder carries
/// its own copy; everything else resolves from the folder.
/// </summary>
internal sealed class PluginLoadContext(string folder) : AssemblyLoadContext("promisegrid-plugins")
{
    protected override Assembly? Load(AssemblyName name)
    {
        try
        {
            return Default.LoadFromAssemblyName(name);
        }
        catch (FileNotFoundException)
        {
            // Not one of the node's: the plugin's own dependency.
        }
        var path = Path.Combine(folder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>True when the node already ships an assembly of this name.</summary>
    public static bool IsNodeAssembly(AssemblyName name)
    {
        try
        {
            Default.LoadFromAssemblyName(new AssemblyName(name.Name!));
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }
}
