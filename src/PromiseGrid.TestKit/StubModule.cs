using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.TestKit;

/// <summary>The module behind a <see cref="PrefixStub"/>: answers on its own thread, one sequence at a time.</summary>
internal sealed class StubModule(PrefixStub stub) : ModuleActor("stub", [stub.Prefix])
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(stub.Answer(request.Sequence));
}
