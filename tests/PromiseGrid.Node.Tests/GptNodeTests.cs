using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// gpt/ end to end: a real node with <c>PG_MODULES=...,gpt</c> and a model file in its data
/// folder answers over HTTP with the very bytes the model generates in-process.
/// </summary>
public sealed class GptNodeTests
{
    private static readonly GptConfig TinyConfig = new(Layers: 2, Dim: 32, Heads: 2, Context: 64);

    [Fact]
    public async Task A_node_with_a_model_in_PG_DATA_completes_gpt_requests_with_the_models_continuation()
    {
        var data = Directory.CreateTempSubdirectory("pg-gpt-data-").FullName;
        var path = Path.Combine(data, "gpt", "model.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var model = new GptModel(TinyConfig, seed: 42);
        GptCheckpoint.Save(model, path);
        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["PG_DATA"] = data,
            ["PG_MODULES"] = "echo,sys,gpt",
        });

        using var response = await node.CompleteAsync("gpt/n=8,s=1/hello"u8.ToArray());

        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        var expected = new Generator(model).Generate("hello"u8, 8, new SamplingOptions(Temperature: 0.8f, TopK: 40, Seed: 1));
        Assert.Equal(expected, body);
        Assert.StartsWith("gpt@", Assert.Single(response.Headers.GetValues("Grid-Provider")));

        // Streamed (Grid-Stream: 1): written as generated, the same bytes in the end.
        using var streamed = new HttpRequestMessage(HttpMethod.Post, new Uri(node.Gateway, "/complete")) { Content = new ByteArrayContent("gpt/n=100,s=2/hello"u8.ToArray()) };
        streamed.Headers.Add("Grid-Stream", "1");
        using var streamedResponse = await node.Http.SendAsync(streamed);
        Assert.Equal(HttpStatusCode.OK, streamedResponse.StatusCode);
        Assert.Equal(new Generator(model).Generate("hello"u8, 100, new SamplingOptions(0.8f, 40, 2)), await streamedResponse.Content.ReadAsByteArrayAsync());
        await Poll.UntilAsync(() => Task.FromResult(node.Log.Contains($"gpt model loaded path={path} layers=2 dim=32 heads=2 context=64 params={TinyConfig.ParameterCount}")),
            TimeSpan.FromSeconds(10), () => $"no model-loaded line. Log:\n{node.Log}");
    }

    [Fact]
    public async Task A_node_without_a_model_starts_warns_with_the_command_and_answers_502_saying_why()
    {
        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string> { ["PG_MODULES"] = "echo,sys,gpt" });
        var path = Path.Combine(node.DataFolder, "data", "gpt", "model.safetensors");

        using var response = await node.CompleteAsync("gpt/hello"u8.ToArray());

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadGateway, $"{(int)response.StatusCode}: {body}");
        var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
        Assert.Contains($"pgrid gpt train --corpus FILE --out {path}", detail);
        await Poll.UntilAsync(() => Task.FromResult(node.Log.Contains($"gpt model missing path={path}")),
            TimeSpan.FromSeconds(10), () => $"no warning about the missing model. Log:\n{node.Log}");
        using var echo = await node.CompleteAsync("echo/still serving"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
    }
}
