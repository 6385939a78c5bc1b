using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Xunit.Abstractions;
using PromiseGrid.Core;
using PromiseGrid.Core.Content;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// The store's guarantee (README.md#the-store), on the compose topology (three node processes, replication factor 2):
/// 10,000 random blobs put under load while one node is SIGKILLed mid-way; every acknowledged
/// blob reads back intact, and still does after every node was stopped and started again.
/// </summary>
public sealed class StoreClusterTests(ITestOutputHelper output)
{
    private const int Blobs = 10_000;
    private const int MaxBlobBytes = 256 * 1024;
    private const int Concurrency = 16;
    private static readonly string[] Nodes = ["node1", "node2", "node3"];

    [Fact]
    public async Task No_acknowledged_blob_is_lost_to_a_killed_node_or_a_full_restart()
    {
        await using var cluster = await ComposeCluster.UpAsync(Nodes);
        var random = new Random(20261126);
        // Sizes spread evenly over orders of magnitude, 1 B to 256 KiB: small and large blobs alike.
        var sizes = Enumerable.Range(0, Blobs).Select(_ => (int)Math.Clamp(Math.Exp(random.NextDouble() * Math.Log(MaxBlobBytes)), 1, MaxBlobBytes)).ToArray();
        var acknowledged = new ConcurrentDictionary<string, byte[]>();
        var refused = new ConcurrentBag<string>();
        var killed = 0;
        var next = -1;
        var acknowledgedPuts = 0; // tiny random blobs repeat, so puts outnumber distinct CIDs

        async Task Putter(int worker)
        {
            var bytes = new Random(worker);
            int i;
            while ((i = Interlocked.Increment(ref next)) < Blobs)
            {
                var blob = new byte[sizes[i]];
                bytes.NextBytes(blob);
                // Round robin over the gateways still running.
                var node = Volatile.Read(ref killed) == 1 ? Nodes[i % 2] : Nodes[i % 3];
                try
                {
                    using var response = await cluster.CompleteAsync(node, [.. "store/put/"u8, .. blob], deadlineMs: 10_000);
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        refused.Add($"{node}: {(int)response.StatusCode} {body}");
                        continue;
                    }
                    Assert.Equal(Cid.Of(blob).ToString(), body);
                    acknowledged[body] = blob;
                    Interlocked.Increment(ref acknowledgedPuts);
                }
                catch (HttpRequestException error)
                {
                    refused.Add($"{node}: {error.Message}"); // the killed node's gateway
                }
                if (Volatile.Read(ref acknowledgedPuts) >= Blobs * 3 / 10 && Interlocked.CompareExchange(ref killed, 1, 0) == 0)
                {
                    output.WriteLine($"SIGKILL node3 after {acknowledgedPuts} acknowledged puts");
                    await cluster.KillAsync("node3");
                }
            }
        }

        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(Putter));
        output.WriteLine($"{acknowledgedPuts} of {Blobs} puts acknowledged ({acknowledged.Count} distinct blobs), {refused.Count} refused, in {(DateTime.UtcNow - started).TotalSeconds:F0} s");
        foreach (var reason in refused.Take(10)) output.WriteLine($"  refused: {reason}");
        Assert.Equal(1, killed);
        Assert.True(acknowledgedPuts >= Blobs * 8 / 10, $"only {acknowledgedPuts} of {Blobs} puts were acknowledged");
        Assert.False((await cluster.StatusAsync()).Single(s => s.Service == "node3").Alive, "node3 should be down after the SIGKILL");

        await AssertAllReadableAsync(cluster, acknowledged, ["node1", "node2"], "after the kill");

        foreach (var node in new[] { "node1", "node2" }) await cluster.StopAsync(node);
        foreach (var node in Nodes) await cluster.StartAsync(node);
        await AssertAllReadableAsync(cluster, acknowledged, Nodes, "after stopping every node and starting them again");
    }

    /// <summary>Reads every blob back (through the given gateways in turn) and compares it byte for byte.</summary>
    private async Task AssertAllReadableAsync(ComposeCluster cluster, ConcurrentDictionary<string, byte[]> blobs, string[] through, string when)
    {
        var missing = new ConcurrentBag<string>();
        var cids = blobs.Keys.ToArray();
        var next = -1;
        async Task Reader()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < cids.Length)
            {
                var cid = cids[i];
                using var response = await cluster.CompleteAsync(through[i % through.Length], Encoding.ASCII.GetBytes("store/get/" + cid), deadlineMs: 10_000);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK) missing.Add($"{cid}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
                else if (!body.AsSpan().SequenceEqual(blobs[cid])) missing.Add($"{cid}: other bytes ({body.Length} B)");
            }
        }
        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Reader()));
        output.WriteLine($"read back {cids.Length} blobs {when} in {(DateTime.UtcNow - started).TotalSeconds:F0} s, {missing.Count} missing");
        Assert.True(missing.IsEmpty, $"{missing.Count} acknowledged blobs unreadable {when}, e.g.:\n{string.Join("\n", missing.Take(10))}");
    }
}
