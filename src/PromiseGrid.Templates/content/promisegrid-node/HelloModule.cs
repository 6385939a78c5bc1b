using System.Text;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace Acme.Node;

/// <summary><c>hello/NAME</c> completes with <c>hello, NAME!</c>, from whichever node of the grid it is asked.</summary>
public sealed class HelloModule() : ModuleActor("hello", "hello/")
{
    protected override bool Pure => true;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
        ValueTask.FromResult(new Sequence(Encoding.UTF8.GetBytes($"hello, {Encoding.UTF8.GetString(request.Rest.Span)}!")));
}
