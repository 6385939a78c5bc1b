namespace PromiseGrid.Cli.Gateway;

/// <summary>
/// The node answered, but not with success: an HTTP error status (usually with an
/// <c>application/problem+json</c> body) or a body <c>pgrid</c> cannot read.
/// </summary>
public sealed class GatewayException : CliException
{
    public GatewayException(string message, int httpStatus, string? gridStatus = null, string? detail = null)
        : base(message, ExitCodes.GridError)
    {
        HttpStatus = httpStatus;
        GridStatus = gridStatus;
        Detail = detail;
    }

    /// <summary>The HTTP status code, e.g. 404.</summary>
    public int HttpStatus { get; }

    /// <summary>The grid's status word from the problem's <c>grid</c> member, e.g. <c>NoRoute</c>.</summary>
    public string? GridStatus { get; }

    /// <summary>The problem's <c>detail</c>: the node's own reason.</summary>
    public string? Detail { get; }
}

/// <summary>No HTTP answer at all: connection refused, DNS failure, TLS failure, or timeout.</summary>
public sealed class NodeUnreachableException(string message, Exception? inner = null)
    : CliException(message, ExitCodes.GridError, inner);
