using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// <c>sys/revoke/</c> + a revocation statement (<c>pgrid token revoke</c> makes one): the kernel's
/// own module, started on every node that trusts issuers. The statement authenticates itself
/// (it is signed by the link's issuer, an issuer above it, or a trusted root), so this prefix
/// needs no token (<c>promisegrid.security.open-prefixes</c>). The completion is
/// <c>revoked &lt;link hash&gt;</c> once every reachable node has recorded it.
/// </summary>
internal sealed class RevocationModule() : ModuleActor("revoke", Prefix)
{
    private readonly CapabilityGuard _security = Client.Grid.GetRuntime(Context.System).Security;

    public const string Prefix = "sys/revoke/";

    public static Props Props() => Akka.Actor.Props.Create<RevocationModule>();

    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        RevokedLink revoked;
        try
        {
            revoked = await _security.RevokeAsync(request.Rest.Memory).ConfigureAwait(false);
        }
        catch (CapabilityException error)
        {
            throw new CompletionRefusedException(CompletionStatus.Denied, "revocation refused: " + error.Reason);
        }
        return Sequence.FromUtf8($"revoked {revoked.HashHex}");
    }
}
