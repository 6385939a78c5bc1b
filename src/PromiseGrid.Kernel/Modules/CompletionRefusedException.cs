using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Modules;

/// <summary>
/// Thrown by a module to answer a request with <paramref name="status"/> (say Denied, or NoRoute
/// for a name it does not know) instead of ModuleFailed; the message is the reason.
/// </summary>
public sealed class CompletionRefusedException(CompletionStatus status, string reason) : Exception(reason)
{
    public CompletionStatus Status { get; } = status == CompletionStatus.Completed
        ? throw new ArgumentException("a refusal cannot have the status Completed", nameof(status))
        : status;
}
