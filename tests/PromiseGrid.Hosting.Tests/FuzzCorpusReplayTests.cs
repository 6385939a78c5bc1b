using PromiseGrid.Fuzz;
using Xunit;

namespace PromiseGrid.Hosting.Tests;

/// <summary>
/// Every committed fuzz input, seed corpus and crash regressions (tests/PromiseGrid.Fuzz/corpus
/// and regressions), through the very target code the fuzzer runs (FuzzTargets.cs, linked here):
/// each must end in success or its parser's documented refusal. So the corpus and every crash
/// once found are checked by <c>dotnet test</c> on every machine, with no fuzzer installed. This
/// project references the Hosting package, which brings every parser a target reaches.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    private static readonly string FuzzFolder = Path.Combine(FindRepoRoot(), "tests", "PromiseGrid.Fuzz");

    public static TheoryData<string> Targets() => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_committed_input_ends_in_success_or_a_documented_refusal(string target)
    {
        var seeds = Inputs("corpus", target);
        // Without seeds the fuzzer has nothing to start from and this test would check nothing.
        Assert.NotEmpty(seeds);
        AssertNoCrash(target, [.. seeds, .. Inputs("regressions", target)]);
    }

    [Fact]
    public void Every_input_folder_names_a_target()
    {
        // A folder under a misspelt name would be replayed by no test and fuzzed by no run.
        foreach (var kind in new[] { "corpus", "regressions" })
        {
            var root = Path.Combine(FuzzFolder, kind);
            if (!Directory.Exists(root)) continue;
            foreach (var dir in Directory.GetDirectories(root))
                Assert.Contains(Path.GetFileName(dir), FuzzTargets.Names);
        }
    }

    [Fact]
    public void Target_code_refuses_an_unknown_target_rather_than_passing_it()
    {
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("no-such-target", []));
    }

    private static string[] Inputs(string kind, string target)
    {
        var dir = Path.Combine(FuzzFolder, kind, target);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [];
    }

    private static void AssertNoCrash(string target, string[] files)
    {
        var crashes = new List<string>();
        foreach (var file in files)
        {
            try
            {
                FuzzTargets.Run(target, File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                crashes.Add($"{Path.GetFileName(file)}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        Assert.True(crashes.Count == 0, $"{crashes.Count} of {files.Length} {target} inputs crashed:\n{string.Join("\n", crashes)}");
    }

    /// <summary>The repository: the folder holding PromiseGrid.sln, found upwards from the test binaries.</summary>
    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PromiseGrid.sln"))) return dir.FullName;
        throw new InvalidOperationException("PromiseGrid.sln not found above " + AppContext.BaseDirectory);
    }
}
