using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules;

/// <summary><c>echo/</c>: completes a sequence with its rest, byte for byte. The simplest promise, kept at once.</summary>
public sealed class EchoModule() : ModuleActor("echo", "echo/")
{
    public static Props Props() => Akka.Actor.Props.Create<EchoModule>();

    protected override bool Pure => true;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(request.Rest);
}
