namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// A token, key, holder proof or revocation statement was refused. <see cref="Reason"/> is one
/// line meant for the requester (it becomes the 403's detail and the CLI's error line), so it names
/// the link index and the rule that failed, e.g.
/// <c>link 2: prefix 'echo/' does not start with its parent's prefix 'hash/'</c>.
/// </summary>
public sealed class CapabilityException(string reason) : Exception(reason)
{
    public string Reason { get; } = reason;
}
