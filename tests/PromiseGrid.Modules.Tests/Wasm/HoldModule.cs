using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules.Tests.Wasm;

/// <summary>hold/: completes with its rest once <c>release</c> completes (how a test keeps a guest waiting in grid.complete).</summary>
public sealed class HoldModule(Task release) : ModuleActor("hold", "hold/")
{
    public static Props Props(Task release) => Akka.Actor.Props.Create(() => new HoldModule(release));

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var rest = request.Rest;
        return new(release.ContinueWith(_ => rest, TaskScheduler.Default));
    }
}
