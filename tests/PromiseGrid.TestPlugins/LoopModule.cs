using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.TestPlugins;

/// <summary><c>loop/X</c> completes <c>loop/X</c> again, for ever: the grid's nesting limit must end it.</summary>
public sealed class LoopModule() : ModuleActor("loop", "loop/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var inner = await request.Grid.CompleteAsync(request.Sequence, request.Remaining, request.Cancellation);
        if (!inner.IsCompleted) throw new CompletionRefusedException(inner.Status, inner.Reason ?? inner.Status.ToString());
        return inner.Bytes;
    }
}
