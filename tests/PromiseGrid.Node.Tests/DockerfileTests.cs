using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// deploy/Dockerfile restores from project files copied one by one and builds from folders copied
/// one by one. No Docker engine runs in CI, so these tests keep those lists in step with the
/// projects: a new ProjectReference or a file embedded from outside src/ must be copied too.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "Dockerfile"));
    private static readonly string[] Published = ["PromiseGrid.Node", "PromiseGrid.Cli"];

    public static TheoryData<string> ProjectsTheImageBuilds() => new(Closure(Published));

    [Theory]
    [MemberData(nameof(ProjectsTheImageBuilds))]
    public void Every_project_the_image_builds_is_copied_before_restore(string project)
    {
        var restore = Dockerfile.IndexOf("RUN dotnet restore", StringComparison.Ordinal);
        var copy = Dockerfile.IndexOf($"COPY src/{project}/{project}.csproj", StringComparison.Ordinal);

        Assert.True(copy >= 0, $"deploy/Dockerfile does not copy src/{project}/{project}.csproj, which the image's projects reference");
        Assert.True(copy < restore, $"src/{project}/{project}.csproj is copied after the restore step");
    }

    [Fact]
    public void Every_file_a_project_includes_from_outside_src_is_in_a_copied_folder()
    {
        var copied = CopyLine().Matches(Dockerfile).Select(m => m.Groups["folder"].Value).ToHashSet();
        foreach (var project in Closure(Published))
        {
            var folder = Path.Combine(RepoPaths.Root, "src", project);
            foreach (var include in Items(project, "EmbeddedResource", "None", "Content"))
            {
                var full = Path.GetFullPath(Path.Combine(folder, include.Replace('\\', '/')));
                var relative = Path.GetRelativePath(RepoPaths.Root, full).Replace('\\', '/');
                var top = relative.Split('/')[0];
                Assert.True(top == "src" || copied.Contains(top),
                    $"{project} includes {relative}, but deploy/Dockerfile does not copy {top}/");
            }
        }
    }

    [Fact]
    public void The_image_does_not_pin_a_module_list_of_its_own()
    {
        // The node's embedded config holds the default PG_MODULES; a second default in the image drifts.
        Assert.DoesNotContain("PG_MODULES=", Dockerfile);
    }

    private static IEnumerable<string> Closure(IEnumerable<string> roots)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(roots);
        while (queue.TryDequeue(out var project))
        {
            if (!seen.Add(project)) continue;
            foreach (var reference in Items(project, "ProjectReference"))
                queue.Enqueue(Path.GetFileNameWithoutExtension(reference.Replace('\\', '/')));
        }
        return seen;
    }

    private static IEnumerable<string> Items(string project, params string[] kinds)
    {
        var csproj = XDocument.Load(Path.Combine(RepoPaths.Root, "src", project, project + ".csproj"));
        return csproj.Descendants()
            .Where(e => kinds.Contains(e.Name.LocalName))
            .Select(e => (string?)e.Attribute("Include"))
            .OfType<string>();
    }

    [GeneratedRegex(@"^COPY (?<folder>[\w.-]+)/ ", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
