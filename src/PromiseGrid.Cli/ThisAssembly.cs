using System.Reflection;

namespace PromiseGrid.Cli;

/// <summary>The CLI's version, for the User-Agent header (the node can log which client asked).</summary>
internal static class ThisAssembly
{
    public static readonly string Version =
        (typeof(ThisAssembly).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
         ?? "0.0.0").Split('+')[0];
}
