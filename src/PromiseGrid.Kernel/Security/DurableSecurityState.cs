using Akka.Configuration;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// The Akka configuration that keeps the security state (revocations and holder-proof nonces,
/// <see cref="SecurityReplicator"/>) on disk, so a stop of every node forgets none of it: DData's
/// durable keys, stored by <see cref="Storage.FileDurableStore"/> in a folder of the node's own.
/// Only these keys are durable; the route table and everything else stay in memory.
/// </summary>
internal static class DurableSecurityState
{
    /// <summary>The DData keys written to disk.</summary>
    public static IReadOnlyList<string> Keys { get; } = [SecurityReplicator.RevocationsKey.Id, SecurityReplicator.NoncesKey.Id];

    /// <summary>The folder under a node's data folder (PG_DATA) that holds the files.</summary>
    public const string FolderName = "security-state";

    /// <summary>
    /// <c>akka.cluster.distributed-data.durable</c>: the security keys durable, in files under
    /// <paramref name="folder"/>. Revocations are on disk before a revocation is answered; nonces,
    /// written on every holder-bound request, at most once a second (a crash of every node may lose
    /// the last second of them). Each node needs a folder of its own.
    /// </summary>
    public static Config For(string folder)
    {
        var dir = Path.GetFullPath(folder).Replace("\\", "\\\\").Replace("\"", "\\\"");
        return ConfigurationFactory.ParseString($$"""
            akka.cluster.distributed-data.durable {
              keys = [{{string.Join(", ", Keys.Select(key => $"\"{key}\""))}}]
              store-actor-class = "PromiseGrid.Kernel.Storage.FileDurableStore, PromiseGrid.Kernel"
              files {
                dir = "{{dir}}"
                write-behind-keys = ["{{SecurityReplicator.NoncesKey.Id}}"]
                write-behind-interval = 1s
              }
            }
            """);
    }
}
