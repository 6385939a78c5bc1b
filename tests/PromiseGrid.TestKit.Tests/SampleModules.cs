using System.Text;

namespace PromiseGrid.TestKit.Tests;

/// <summary><c>upper/</c>: the rest after the prefix, upper-cased.</summary>
public sealed class UpperModule() : ModuleActor("upper", "upper/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
        new(Sequence.FromUtf8(Encoding.UTF8.GetString(request.Rest.Span).ToUpperInvariant()));
}

/// <summary>
/// <c>digest/</c>: asks the grid for <c>hash/sha256/</c> of the rest and answers
/// <c>rest=hash</c>, or <c>rest!Status</c> when the hash is not completed: a module whose own
/// grid calls a test fakes with a stub.
/// </summary>
public sealed class DigestModule() : ModuleActor("digest", "digest/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var rest = request.Rest;
        var hash = await request.Grid.CompleteAsync(Sequence.FromText("hash/sha256/").Concat(rest), request.Remaining);
        var text = Encoding.UTF8.GetString(rest.Span);
        return hash.IsCompleted
            ? Sequence.FromUtf8(text + "=").Concat(hash.Bytes)
            : Sequence.FromUtf8($"{text}!{hash.Status}");
    }
}

/// <summary>A prefix over the router's <c>max-prefix-bytes</c> in <see cref="GridTestKitTests"/>: the router refuses it.</summary>
public sealed class OversizePrefixModule() : ModuleActor("oversize", new string('x', 64))
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(Sequence.Empty);
}
