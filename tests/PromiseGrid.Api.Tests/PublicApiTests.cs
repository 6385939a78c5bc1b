using System.Reflection;
using PublicApiGenerator;
using Xunit;

namespace PromiseGrid.Api.Tests;

/// <summary>
/// The public API of every library package, compared with the file approved for it in
/// <c>approved/</c>: a change to what users compile against shows up as a diff in review, and
/// fails here until the approved file is updated with it.
/// </summary>
public sealed class PublicApiTests
{
    /// <summary>One type of each package's assembly: add a package with one line.</summary>
    public static TheoryData<string> Packages() =>
    [
        typeof(Core.Sequence).Assembly.GetName().Name!,
        typeof(Kernel.Modules.ModuleActor).Assembly.GetName().Name!,
        typeof(Modules.EchoModule).Assembly.GetName().Name!,
        typeof(TestKit.GridTestKit).Assembly.GetName().Name!,
        typeof(Hosting.GridNodeBuilder).Assembly.GetName().Name!,
        typeof(Gpt.Model.GptModel).Assembly.GetName().Name!,
    ];

    [Theory]
    [MemberData(nameof(Packages))]
    public void The_public_API_is_the_approved_one(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var received = assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // Attributes the compiler emits say nothing about the API and change with the SDK.
            ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"],
        }).ReplaceLineEndings("\n");
        var approvedPath = Path.Combine(ApprovedFolder(), $"{assemblyName}.approved.txt");
        var receivedPath = Path.Combine(ApprovedFolder(), $"{assemblyName}.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";

        if (received == approved)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, received);
        Assert.Fail($"""
            The public API of {assemblyName} is not the approved one. If the change is meant, approve it:
                cp {receivedPath} {approvedPath}
            and commit the approved file with the change; if not, make the new public members internal.
            """);
    }

    /// <summary>tests/PromiseGrid.Api.Tests/approved in the source tree, as the project file names it.</summary>
    private static string ApprovedFolder() =>
        typeof(PublicApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ApprovedFolder").Value!;
}
