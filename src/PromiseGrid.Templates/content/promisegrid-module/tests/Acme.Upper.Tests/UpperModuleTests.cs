using PromiseGrid.Kernel.Protocol;
using PromiseGrid.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace Acme.Upper.Tests;

/// <summary>The module in an in-process grid: no cluster, no node.</summary>
public sealed class UpperModuleTests(ITestOutputHelper output) : GridTestKit(output)
{
    [Fact]
    public async Task Completes_with_the_rest_in_upper_case()
    {
        await StartModuleAsync<UpperModule>();

        AssertCompleted("HELLO, GRID", await CompleteAsync("upper/hello, grid"));
    }

    [Fact]
    public async Task A_sequence_outside_its_prefix_is_not_routed_to_it()
    {
        await StartModuleAsync<UpperModule>();

        AssertStatus(CompletionStatus.NoRoute, await CompleteAsync("lower/abc"));
    }
}
