using System.Net;
using System.Text.RegularExpressions;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests.Sdk;

/// <summary>
/// The "Write a module" example of README.md, taken from the README itself, built against the
/// packages (the local feed, no reference into this repository) and loaded into a real node as a
/// plugin: the docs cannot drift from what works.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed partial class ReadmeExampleTests(PackageFeed feed)
{
    [Fact]
    public async Task The_readme_plugin_example_builds_loads_and_completes()
    {
        var work = feed.NewWorkFolder();
        try
        {
            var files = ExampleFiles(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "README.md")));
            Assert.Contains("Acme.Grid/Acme.Grid.csproj", files.Keys);
            // The README names the version this repository packs; the feed's is the run's own.
            var packageReference = $"<PackageReference Include=\"PromiseGrid.Kernel\" Version=\"{PackageFeed.RepositoryVersion}\" />";
            Assert.Contains(packageReference, files["Acme.Grid/Acme.Grid.csproj"]);
            foreach (var (name, text) in files)
            {
                var path = Path.Combine(work, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, text.Replace(packageReference, packageReference.Replace(PackageFeed.RepositoryVersion, feed.Version)));
            }
            var plugins = Path.Combine(work, "plugins");
            await Command.RunAsync(work, null, "dotnet", "build", "Acme.Grid", "-o", plugins, "--nologo", "-v:q");

            await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
            {
                ["PG_PLUGINS"] = plugins,
                ["PG_MODULES"] = "echo,sys,Acme.Grid.UpperModule,Acme.Grid.GreeterModule",
            });
            using var upper = await node.CompleteAsync("upper/hello"u8.ToArray());
            Assert.Equal(HttpStatusCode.OK, upper.StatusCode);
            Assert.Equal("HELLO", await upper.Content.ReadAsStringAsync());
            using var greet = await node.CompleteAsync("greet/grid"u8.ToArray());
            Assert.Equal(HttpStatusCode.OK, greet.StatusCode);
            Assert.Equal("HELLO, GRID!", await greet.Content.ReadAsStringAsync());
            Assert.StartsWith("greeter@", greet.Headers.GetValues("Grid-Provider").Single());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Code blocks that follow a <c>&lt;!-- file: PATH --&gt;</c> marker.</summary>
    private static Dictionary<string, string> ExampleFiles(string readme) =>
        FileBlock().Matches(readme).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["body"].Value);

    [GeneratedRegex(@"<!-- file: (?<path>\S+) -->\s*```\w*\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FileBlock();
}
