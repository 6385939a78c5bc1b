namespace PromiseGrid.Node.Tests.Harness;

/// <summary>Where the repository and the build outputs of the processes under test are.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding PromiseGrid.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the same configuration the tests were built in.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string NodeDll => Output("src", "PromiseGrid.Node", "PromiseGrid.Node.dll");
    public static string CliDll => Output("src", "PromiseGrid.Cli", "pgrid.dll");
    public static string TestPluginsFolder => Path.GetDirectoryName(Output("tests", "PromiseGrid.TestPlugins", "PromiseGrid.TestPlugins.dll"))!;

    private static string Output(string area, string project, string file)
    {
        var path = Path.Combine(Root, area, project, "bin", Configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build output missing: {path} (build the solution first)");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PromiseGrid.sln"))) return dir.FullName;
        throw new InvalidOperationException("PromiseGrid.sln not found above " + AppContext.BaseDirectory);
    }
}
