using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Hosting.Gateway;

/// <summary>The gateway's one table from grid outcome to HTTP status (README.md#http-gateway).</summary>
internal static class StatusMapping
{
    public static (int Code, string Title) ToHttp(CompletionStatus status) => status switch
    {
        CompletionStatus.Completed => (StatusCodes.Status200OK, "Completed"),
        CompletionStatus.NoRoute => (StatusCodes.Status404NotFound, "No route"),
        CompletionStatus.Denied => (StatusCodes.Status403Forbidden, "Denied"),
        CompletionStatus.BrokenPromise => (StatusCodes.Status504GatewayTimeout, "Broken promise"),
        CompletionStatus.ModuleFailed => (StatusCodes.Status502BadGateway, "Module failed"),
        CompletionStatus.TooLarge => (StatusCodes.Status413PayloadTooLarge, "Too large"),
        CompletionStatus.Overloaded => (StatusCodes.Status503ServiceUnavailable, "Overloaded"),
        CompletionStatus.BadRequest => (StatusCodes.Status400BadRequest, "Bad request"),
        CompletionStatus.TooDeep => (StatusCodes.Status508LoopDetected, "Too deep"),
        _ => (StatusCodes.Status500InternalServerError, status.ToString()),
    };
}
