using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.TestPlugins;

/// <summary><c>hang/</c> never answers: it ignores its deadline, so only the requester's deadline ends the request.</summary>
public sealed class HangModule() : ModuleActor("hang", "hang/")
{
    private static readonly TaskCompletionSource<Sequence> Never = new();

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(Never.Task);
}
