using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests.Sdk;

/// <summary>pgrid as a user installs it: <c>dotnet tool install</c> from the package feed, then run by its command name.</summary>
[Collection(PackageFeedCollection.Name)]
public sealed class ToolInstallTests(PackageFeed feed)
{
    [Fact]
    public async Task Pgrid_installs_as_a_dotnet_tool_and_runs()
    {
        var work = feed.NewWorkFolder();
        var tools = Path.Combine(work, "tools");
        await Command.RunAsync(work, null, "dotnet", "tool", "install", "PromiseGrid.Cli", "--version", feed.Version,
            "--tool-path", tools, "--add-source", feed.Folder);

        var help = await Command.RunAsync(work, null, Path.Combine(tools, "pgrid"), "--help");

        Assert.Contains("pgrid — the PromiseGrid command-line client", help);
        Assert.Contains("--cacert", help);
        // The benchmark harness's heavy dependencies stay out of the tool.
        var files = Directory.EnumerateFiles(tools, "*.dll", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("pgrid.dll", files);
        Assert.DoesNotContain(files, f => f!.StartsWith("BenchmarkDotNet", StringComparison.Ordinal) || f.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
    }
}
