using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// The wasm bench's baseline: <c>upper/TEXT</c> completes with TEXT, its ASCII a-z upper-cased, the
/// function examples/wasm/upper.wat computes, written as a C# module. Bench only.
/// </summary>
public sealed class NativeUpperModule() : ModuleActor("upper", Prefix)
{
    public const string Prefix = "upper/";

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var output = request.Rest.Span.ToArray();
        for (var i = 0; i < output.Length; i++)
        {
            // 'a'..'z' is 97..122, as the WAT module tests it.
            if ((uint)(output[i] - 'a') < 26) output[i] -= 32;
        }
        return ValueTask.FromResult(new Sequence(output));
    }
}
