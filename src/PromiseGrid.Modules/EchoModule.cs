using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules;

/// <summary><c>echo/</c>: completes a sequence with its rest, byte for byte. The simplest promise, kept at once.</summary>
public sealed class EchoModule() : ModuleActor("echo", "echo/")
{
    public static Props Props() => Akka.Actor.Props.Create<EchoModule>();

    // Echo is pure, but not registered as such: its answer is already in the request, so caching
    // it would only hold every request twice in memory, and the load bench measures this path.
    protected override bool Pure => false;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(request.Rest);
}
