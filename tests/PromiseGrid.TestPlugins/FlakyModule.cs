using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.TestPlugins;

/// <summary><c>flaky/throw</c> throws; any other <c>flaky/x</c> completes with <c>x</c>, showing the module keeps serving.</summary>
public sealed class FlakyModule() : ModuleActor("flaky", "flaky/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        if (request.Rest.ToString() == "throw")
            throw new InvalidOperationException("flaky module was told to throw");
        return new(request.Rest);
    }
}
