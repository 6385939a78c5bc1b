using Akka.Actor;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Client;

/// <summary>
/// The one actor reference every request of this node names as its sender. A Completion told
/// to it, locally or from another node, is handed straight to the waiting requester: no
/// mailbox, no per-request actor (what <c>Ask</c> would create each time). Registered as a
/// temporary actor so remote nodes can address it by path.
/// </summary>
internal sealed class ReplySink : MinimalActorRef
{
    private readonly Action<Completion> _deliver;
    private readonly Action<CompletionPart> _deliverPart;

    public ReplySink(IActorRefProvider provider, Action<Completion> deliver, Action<CompletionPart> deliverPart)
    {
        Provider = provider;
        Path = provider.TempPath();
        _deliver = deliver;
        _deliverPart = deliverPart;
        provider.RegisterTempActor(this, Path);
    }

    public override ActorPath Path { get; }

    public override IActorRefProvider Provider { get; }

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is Completion completion) _deliver(completion);
        else if (message is CompletionPart part) _deliverPart(part);
    }

    public void Unregister() => Provider.UnregisterTempActor(Path);
}
