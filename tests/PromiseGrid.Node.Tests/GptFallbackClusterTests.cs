using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// The grid as a superset of the model (README "Serve the GPT module on the grid"): two real
/// node processes in one Akka.Cluster, the model on the first only. Through the second node's
/// gateway, a sequence no module serves is completed by the model with the fallback options
/// (the very bytes in-process generation gives), a registered prefix still wins, and with the
/// fallback off the same sequence is NoRoute.
/// </summary>
public sealed class GptFallbackClusterTests
{
    private static readonly GptConfig TinyConfig = new(Layers: 2, Dim: 32, Heads: 2, Context: 64);
    private const string Options = "n=12,t=0.5,k=20,s=3";
    private static readonly SamplingOptions Sampling = new(Temperature: 0.5f, TopK: 20, Seed: 3);

    /// <summary>The model node (gpt, fallback as given) and an edge node without gpt that joined it, once the edge routes to the model.</summary>
    private static async Task<(NodeProcess Model, NodeProcess Edge, GptModel Weights)> StartAsync(bool fallback)
    {
        var data = Directory.CreateTempSubdirectory("pg-gpt-fallback-").FullName;
        var path = Path.Combine(data, "gpt", "model.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var weights = new GptModel(TinyConfig, seed: 11);
        GptCheckpoint.Save(weights, path);
        var model = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["PG_DATA"] = data,
            ["PG_MODULES"] = "sys,gpt",
            ["PG_GPT_FALLBACK"] = fallback ? "on" : "off",
            ["PG_GPT_FALLBACK_OPTIONS"] = Options,
        });
        try
        {
            var edge = await NodeProcess.StartAsync(new Dictionary<string, string>
            {
                ["PG_MODULES"] = "echo,sys",
                ["PG_SEEDS"] = model.RemotingAddress,
            });
            // The edge knows the model node's routes once gpt/ is listed there.
            await Poll.UntilAsync(async () => (await RoutesAsync(edge)).Any(r => r.Module == "gpt"),
                TimeSpan.FromSeconds(60), () => $"the edge never listed gpt/. Edge log:\n{edge.Log}\nModel log:\n{model.Log}");
            return (model, edge, weights);
        }
        catch
        {
            await model.DisposeAsync();
            throw;
        }
    }

    private sealed record Listed(string Prefix, string Module, bool Fallback);

    private static async Task<IReadOnlyList<Listed>> RoutesAsync(NodeProcess node)
    {
        using var response = await node.Http.GetAsync(new Uri(node.Gateway, "/routes"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray()
            .Select(r => new Listed(r.GetProperty("prefix").GetString()!, r.GetProperty("module").GetString()!, r.GetProperty("fallback").GetBoolean()))
            .ToArray();
    }

    private static async Task<(HttpStatusCode Status, byte[] Body, string? Provider)> CompleteAsync(NodeProcess node, string sequence)
    {
        using var response = await node.CompleteAsync(Encoding.UTF8.GetBytes(sequence), deadlineMs: 30_000);
        var provider = response.Headers.TryGetValues("Grid-Provider", out var values) ? values.Single() : null;
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), provider);
    }

    [Fact]
    public async Task With_the_fallback_on_an_unserved_sequence_is_completed_by_the_model_on_another_node_and_registered_prefixes_still_win()
    {
        var (model, edge, weights) = await StartAsync(fallback: true);
        await using var _ = model;
        await using var __ = edge;

        var routes = await RoutesAsync(edge);
        var fallback = Assert.Single(routes, r => r.Fallback);
        Assert.Equal(("", "gpt"), (fallback.Prefix, fallback.Module));
        Assert.False(Assert.Single(routes, r => r.Prefix == "gpt/").Fallback);

        var unserved = await CompleteAsync(edge, "Once upon a time");
        Assert.True(unserved.Status == HttpStatusCode.OK, $"{(int)unserved.Status}: {Encoding.UTF8.GetString(unserved.Body)}");
        Assert.Equal(new Generator(weights).Generate("Once upon a time"u8, 12, Sampling), unserved.Body);
        Assert.StartsWith("gpt@", unserved.Provider);

        var echoed = await CompleteAsync(edge, "echo/still mine");
        Assert.Equal(HttpStatusCode.OK, echoed.Status);
        Assert.Equal("still mine", Encoding.UTF8.GetString(echoed.Body));
        Assert.StartsWith("echo@", echoed.Provider);

        // gpt/ itself keeps its own grammar and defaults: it is the longer prefix.
        var asked = await CompleteAsync(edge, "gpt/n=5,s=1/Once");
        Assert.Equal(HttpStatusCode.OK, asked.Status);
        Assert.Equal(new Generator(weights).Generate("Once"u8, 5, new SamplingOptions(0.8f, 40, 1)), asked.Body);

        await Poll.UntilAsync(() => Task.FromResult(model.Log.Contains("gpt fallback completing") && model.Log.Contains("sequence=Once upon a time n=12")),
            TimeSpan.FromSeconds(10), () => $"no fallback line in the model node's log:\n{model.Log}");
        Assert.Contains(model.Lines, l => l.Contains("gpt fallback on: sequences no other module serves are completed by the model n=12 t=0.5 k=20 s=3 stop=none"));
    }

    [Fact]
    public async Task With_the_fallback_off_an_unserved_sequence_stays_NoRoute()
    {
        var (model, edge, _) = await StartAsync(fallback: false);
        await using var _ = model;
        await using var __ = edge;

        Assert.DoesNotContain(await RoutesAsync(edge), r => r.Fallback || r.Prefix.Length == 0);
        var unserved = await CompleteAsync(edge, "Once upon a time");
        Assert.True(unserved.Status == HttpStatusCode.NotFound, $"{(int)unserved.Status}: {Encoding.UTF8.GetString(unserved.Body)}");
        Assert.Contains("no module serves a prefix of 'Once upon a time'", Encoding.UTF8.GetString(unserved.Body));
    }
}
