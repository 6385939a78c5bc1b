using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// The "Write a module" example of README.md, taken from the README itself, built as a
/// separate assembly and loaded into a real node as a plugin: the docs cannot drift from
/// what works.
/// </summary>
public sealed partial class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_plugin_example_builds_loads_and_completes()
    {
        var work = Directory.CreateTempSubdirectory("pg-readme-").FullName;
        try
        {
            var files = ExampleFiles(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "README.md")));
            Assert.Contains("Acme.Grid/Acme.Grid.csproj", files.Keys);
            foreach (var (name, text) in files)
            {
                var path = Path.Combine(work, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, text);
            }
            var plugins = Path.Combine(work, "plugins");
            // As the README says, plus: where the clone is, and no rebuild of the already-built kernel.
            await Run("dotnet", "build", Path.Combine(work, "Acme.Grid"), "-o", plugins, "-c", RepoPaths.Configuration,
                $"-p:PromiseGridRoot={RepoPaths.Root}", "-p:BuildProjectReferences=false", "--nologo", "-v:q");

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

    private static async Task Run(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed:\n{await output}\n{await errors}");
    }

    [GeneratedRegex(@"<!-- file: (?<path>\S+) -->\s*```\w*\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FileBlock();
}
