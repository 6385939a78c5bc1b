using System.Net;
using System.Text;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary><c>Grid-Stream: 1</c>: the gateway writes a completion's parts as the module sends them, against a real node.</summary>
[Collection(GatewayNodeCollection.Name)]
public sealed class GatewayStreamingTests(GatewayNodeFixture fixture)
{
    private NodeProcess Node => fixture.Node;

    [Fact]
    public async Task The_first_part_arrives_while_the_completion_cannot_exist_yet_and_the_rest_follows()
    {
        var key = Guid.NewGuid().ToString("N");
        using var response = await SendStreamed($"drip/{key}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();

        // The module completes only once released, so these bytes were streamed ahead of it.
        Assert.Equal($"{key}:", await ReadExactly(body, key.Length + 1));
        using (var release = await Node.CompleteAsync(Encoding.UTF8.GetBytes($"drip/release/{key}")))
            Assert.Equal(HttpStatusCode.OK, release.StatusCode);

        Assert.Equal("done", await new StreamReader(body).ReadToEndAsync());
    }

    [Fact]
    public async Task A_stream_whose_module_fails_after_its_first_part_is_cut_off_not_ended_cleanly()
    {
        var key = Guid.NewGuid().ToString("N");
        using var response = await SendStreamed($"drip/fail/{key}");
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal($"{key}:", await ReadExactly(body, key.Length + 1));

        using (var release = await Node.CompleteAsync(Encoding.UTF8.GetBytes($"drip/release/{key}")))
            Assert.Equal(HttpStatusCode.OK, release.StatusCode);

        // 200 was already sent; the only honest signal left is a response that does not end properly.
        await Assert.ThrowsAnyAsync<IOException>(() => new StreamReader(body).ReadToEndAsync());
    }

    [Fact]
    public async Task A_module_that_does_not_stream_answers_as_without_the_header()
    {
        using var response = await SendStreamed("echo/whole");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("whole", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("echo@", Assert.Single(response.Headers.GetValues("Grid-Provider")));
    }

    [Fact]
    public async Task Errors_before_any_part_are_the_usual_problem_answers()
    {
        using var response = await SendStreamed("nobody/home");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("NoRoute", problem.GetProperty("grid").GetString());
    }

    [Fact]
    public async Task A_stream_header_other_than_1_or_0_is_400()
    {
        using var response = await SendStreamed("echo/x", header: "yes");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Grid-Stream must be 1", await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> SendStreamed(string sequence, string header = "1")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Node.Gateway, "/complete"))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(sequence)),
        };
        request.Headers.Add("Grid-Stream", header);
        request.Headers.Add("Grid-Deadline", "30000");
        return Node.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<string> ReadExactly(Stream body, int count)
    {
        var buffer = new byte[count];
        await body.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        return Encoding.UTF8.GetString(buffer);
    }
}
