using System.Runtime.CompilerServices;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules.Tests.Wasm;

/// <summary>probe/: completes with its rest and counts the requests that reached it (how a test sees a guest run).</summary>
public sealed class ProbeModule(StrongBox<int> calls) : ModuleActor("probe", "probe/")
{
    public static Props Props(StrongBox<int> calls) => Akka.Actor.Props.Create(() => new ProbeModule(calls));

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        Interlocked.Increment(ref calls.Value);
        return new(request.Rest);
    }
}
