using System.Collections.Concurrent;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.TestPlugins;

/// <summary>
/// A module that streams, for the gateway's streaming tests. <c>drip/KEY</c> sends the part
/// <c>KEY:</c> at once and completes with <c>KEY:done</c> only after <c>drip/release/KEY</c> has
/// been asked, so a test sees the first bytes while the completion cannot yet exist.
/// <c>drip/fail/KEY</c> does the same but then throws, after its part went out.
/// </summary>
public sealed class DripModule() : ModuleActor("drip", "drip/", "drip/release/", "drip/fail/")
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Releases = new();

    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var prefix = request.Prefix.ToString();
        var key = request.Rest.ToString();
        var release = Releases.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (prefix == "drip/release/")
        {
            release.TrySetResult();
            return Sequence.FromUtf8("released");
        }
        request.SendPart(Sequence.FromUtf8(key + ":"));
        await release.Task.WaitAsync(request.Cancellation);
        if (prefix == "drip/fail/") throw new InvalidOperationException("drip module fails after its first part");
        return Sequence.FromUtf8(key + ":done");
    }
}
