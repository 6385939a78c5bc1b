using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests.Sdk;

/// <summary>
/// A module author's way, with no reference into this repository: the packages from a folder
/// feed, <c>dotnet new</c> from the templates package, the template's own tests, a stock node
/// that loads the module as a plugin, and a node of the author's own that joins a stock node's
/// grid.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed class TemplateEndToEndTests(PackageFeed feed)
{
    [Fact]
    public async Task A_module_from_the_template_passes_its_tests_and_a_stock_node_serves_it()
    {
        var work = feed.NewWorkFolder();
        await feed.DotnetNewAsync(work, "promisegrid-module", "-n", "Acme.Upper");

        var tests = await Command.RunAsync(Path.Combine(work, "Acme.Upper"), null, "dotnet", "test", "--nologo");
        Assert.Contains("Passed!", tests);
        AssertNoRepositoryReference(work);

        var plugins = Path.Combine(work, "plugins");
        await Command.RunAsync(Path.Combine(work, "Acme.Upper"), null, "dotnet", "build", Path.Combine("src", "Acme.Upper"), "-o", plugins, "--nologo", "-v:q");
        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["PG_PLUGINS"] = plugins,
            ["PG_MODULES"] = "sys,Acme.Upper.UpperModule",
        });
        using var response = await node.CompleteAsync("upper/hello grid"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HELLO GRID", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_node_from_the_template_joins_a_stock_nodes_grid_and_its_module_answers_there()
    {
        var work = feed.NewWorkFolder();
        await feed.DotnetNewAsync(work, "promisegrid-node", "-n", "Acme.Node");
        var project = Path.Combine(work, "Acme.Node");
        await Command.RunAsync(project, null, "dotnet", "build", "--nologo", "-v:q");
        AssertNoRepositoryReference(work);

        await using var stock = await NodeProcess.StartAsync(new Dictionary<string, string> { ["PG_MODULES"] = "echo,sys" });
        var url = $"http://127.0.0.1:{Ports.Closed()}";
        using var own = StartHost(Path.Combine(project, "bin", "Debug", "net10.0", "Acme.Node.dll"), new Dictionary<string, string>
        {
            ["PG_SEEDS"] = stock.RemotingAddress,
            ["PG_PORT"] = "0",
            ["PG_DATA"] = Path.Combine(work, "data"),
            ["ASPNETCORE_URLS"] = url,
        }, out var log);
        try
        {
            // The own node's module becomes usable through the stock node's gateway once its
            // routes have reached the stock node.
            await Poll.UntilAsync(async () =>
            {
                using var response = await stock.CompleteAsync("hello/grid"u8.ToArray());
                return response.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(90), () => $"hello/ never answered through the stock node. Own node's log:\n{string.Join('\n', log)}\nStock node's log:\n{stock.Log}");

            using var answer = await stock.CompleteAsync("hello/grid"u8.ToArray());
            Assert.Equal("hello, grid!", await answer.Content.ReadAsStringAsync());
            Assert.StartsWith("hello@akka.tcp://promisegrid@", answer.Headers.GetValues("Grid-Provider").Single());
            using var health = await stock.Http.GetAsync(new Uri(url + "/health"));
            var members = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("members").GetInt32();
            Assert.Equal(2, members);
        }
        finally
        {
            own.Kill(entireProcessTree: true);
            await own.WaitForExitAsync();
        }
    }

    /// <summary>The user's projects name packages only: no path into this repository.</summary>
    private static void AssertNoRepositoryReference(string work)
    {
        foreach (var project in Directory.EnumerateFiles(work, "*.csproj", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(project);
            Assert.DoesNotContain(RepoPaths.Root, text);
            Assert.DoesNotMatch(@"ProjectReference[^>]*PromiseGrid\.", text);
        }
    }

    private static Process StartHost(string dll, IDictionary<string, string> environment, out List<string> log)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info)!;
        var lines = new List<string>();
        void Add(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
        }
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log = lines;
        return process;
    }
}
