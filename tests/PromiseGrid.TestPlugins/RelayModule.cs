using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.TestPlugins;

/// <summary>
/// <c>relay/X</c> completes <c>X</c> through the grid and answers its bytes: a nested grid call
/// from whichever node runs it, so a request crosses nodes (the three-node trace test).
/// </summary>
public sealed class RelayModule() : ModuleActor("relay", "relay/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var inner = await request.Grid.CompleteAsync(request.Sequence.Slice("relay/".Length), request.Remaining, request.Cancellation);
        if (!inner.IsCompleted) throw new CompletionRefusedException(inner.Status, inner.Reason ?? inner.Status.ToString());
        return inner.Bytes;
    }
}
