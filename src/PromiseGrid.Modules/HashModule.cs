using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Modules;

/// <summary>
/// <c>hash/sha256/DATA</c>: completes with the SHA-256 digest of DATA as 64 lower-case hex
/// characters. A pure function of its input, served by whichever nodes run it: in the
/// compose topology only node3 does, so it shows completion across hosts.
/// </summary>
public sealed class HashModule() : ModuleActor("hash", Sha256Prefix)
{
    private const string Sha256Prefix = "hash/sha256/";

    public static Props Props() => Akka.Actor.Props.Create<HashModule>();

    protected override bool Pure => true;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(request.Rest.Span, digest);
        return new(new Sequence(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(digest))));
    }
}
