using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests.Sdk;

/// <summary>
/// Every package of the repository, packed once into a local folder feed, as a user would get
/// them from a package registry. Each run packs under a version of its own
/// (<c>0.0.0-e2e.&lt;ticks&gt;</c>), so the machine's package cache can never hand a test the
/// packages of an earlier run; and a user folder made by <see cref="NewWorkFolder"/> sees this
/// feed beside the machine's usual sources (its nuget.config adds, and clears nothing).
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("pg-feed-").FullName;

    public string Version { get; } = $"0.0.0-e2e.{DateTime.UtcNow.Ticks}";

    /// <summary>The version the repository packs (<c>Version</c> in Directory.Build.props), which the README's examples name.</summary>
    public static string RepositoryVersion { get; } = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"))
        .Descendants("Version").Single().Value;

    /// <summary>A template hive of this feed's own, so <c>dotnet new install</c> leaves the user's templates alone.</summary>
    public string TemplateHive { get; } = Directory.CreateTempSubdirectory("pg-hive-").FullName;

    public async Task InitializeAsync()
    {
        await Command.RunAsync(RepoPaths.Root, null, "dotnet", "pack", "PromiseGrid.sln", "-c", "Release", "-o", Folder,
            $"-p:Version={Version}", "--nologo", "-v:q");
        // As a user does once: the templates from the package, into this feed's own hive.
        await DotnetNewAsync(Folder, "install", Package("PromiseGrid.Templates"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        Directory.Delete(TemplateHive, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The path of the package <paramref name="id"/> in this feed.</summary>
    public string Package(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");

    /// <summary>An empty folder outside the repository whose nuget.config names this feed.</summary>
    public string NewWorkFolder()
    {
        var folder = Directory.CreateTempSubdirectory("pg-user-").FullName;
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="promisegrid-local" value="{Folder}" />
              </packageSources>
            </configuration>
            """);
        return folder;
    }

    /// <summary>Runs <c>dotnet new</c> with this feed's template hive.</summary>
    public Task<string> DotnetNewAsync(string folder, params string[] args) =>
        Command.RunAsync(folder, null, "dotnet", ["new", .. args, "--debug:custom-hive", TemplateHive]);
}

[CollectionDefinition(Name)]
public sealed class PackageFeedCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "package feed";
}
