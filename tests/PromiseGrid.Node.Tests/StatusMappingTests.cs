using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Node.Gateway;

namespace PromiseGrid.Node.Tests;

/// <summary>The gateway's table from grid status to HTTP status: every status has its own answer.</summary>
public sealed class StatusMappingTests
{
    public static TheoryData<CompletionStatus> Statuses() => new(Enum.GetValues<CompletionStatus>());

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Every_grid_status_has_a_named_http_status_of_its_own(CompletionStatus status)
    {
        var (code, title) = StatusMapping.ToHttp(status);

        Assert.NotEqual(500, code); // 500 is the table's fallback for a status nobody mapped
        Assert.NotEqual(status.ToString(), title);
        var others = Enum.GetValues<CompletionStatus>().Where(s => s != status).Select(s => StatusMapping.ToHttp(s).Code);
        Assert.DoesNotContain(code, others);
    }

    [Fact]
    public void A_module_calling_itself_is_508_loop_detected() =>
        Assert.Equal((508, "Too deep"), StatusMapping.ToHttp(CompletionStatus.TooDeep));
}
