using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using PromiseGrid.Core.Content;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules.Tests.Wasm;

/// <summary>
/// store/get/ from a dictionary, counting the gets it serves; not pure, so every fetch the wasm
/// module makes reaches it. Unknown CIDs get NoRoute, as from the real store.
/// </summary>
public sealed class FakeStoreModule(ConcurrentDictionary<Cid, byte[]> blobs, StrongBox<int> gets) : ModuleActor("store", "store/get/")
{
    public static Props Props(ConcurrentDictionary<Cid, byte[]> blobs, StrongBox<int> gets) =>
        Akka.Actor.Props.Create(() => new FakeStoreModule(blobs, gets));

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        Interlocked.Increment(ref gets.Value);
        var cid = Cid.Parse(request.Rest.Span);
        return blobs.TryGetValue(cid, out var blob)
            ? new(new Sequence(blob))
            : throw new CompletionRefusedException(CompletionStatus.NoRoute, $"no blob with CID {cid} on any store node");
    }
}
