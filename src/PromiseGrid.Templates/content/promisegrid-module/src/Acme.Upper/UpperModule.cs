using System.Text;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace Acme.Upper;

/// <summary><c>upper/</c> + text: completes with the text in upper case.</summary>
/// <remarks>
/// A node runs it when its assembly is in the node's plugins folder (<c>PG_PLUGINS</c>) and
/// <c>PG_MODULES</c> names <c>Acme.Upper.UpperModule</c>; it needs a public parameterless constructor.
/// </remarks>
public sealed class UpperModule() : ModuleActor("upper", "upper/")
{
    // Same sequence, same completion: caches may answer for this module.
    protected override bool Pure => true;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var text = Encoding.UTF8.GetString(request.Rest.Span);
        return ValueTask.FromResult(Sequence.FromUtf8(text.ToUpperInvariant()));
    }
}
