using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// Requests from outside that are malformed or hostile, against a real node: each ends in a
/// defined refusal, the node keeps serving, and its log gets no stack trace per request.
/// </summary>
[Collection(GatewayNodeCollection.Name)]
public sealed class GatewayAbuseTests(GatewayNodeFixture fixture)
{
    private NodeProcess Node => fixture.Node;

    public static TheoryData<string, string> MalformedHeaders => new()
    {
        { "Grid !!!x$$", "token is not base64url" },
        { "Grid ab+c", "token is not base64url" },
        { "Grid ab/c", "token is not base64url" },
        { "Grid abc=", "token is not base64url" },
        { "Grid a", "token is not base64url" },
        { "Grid ab cd", "token is not base64url" },
        { "Grid abcd..efgh", "holder proof (after the '.') is not base64url" },
        { "Grid abcd.ef$h", "holder proof (after the '.') is not base64url" },
        { "Grid abcd.", "has a '.' but no holder proof" },
        { "Grid .abcd", "has no token after the scheme" },
        { "Grid   ", "has no token after the scheme" },
        { "Grid abcd, Grid efgh", "token is not base64url" },
        { "grid ab\tcd", "token is not base64url" },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public async Task A_malformed_grid_header_is_403_with_the_reason_and_no_log_line(string header, string reason)
    {
        var linesBefore = Node.Lines.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Node.Gateway, "/complete"))
        {
            Content = new ByteArrayContent("echo/hi"u8.ToArray()),
        };
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", header));

        using var response = await Node.Http.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode}: {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Denied", problem.GetProperty("grid").GetString());
        Assert.Contains(reason, problem.GetProperty("detail").GetString());
        await AssertStillServingAsync();
        Assert.DoesNotContain(Node.Lines.Skip(linesBefore), l => l.Contains("xception") || l.Contains("unhandled"));
    }

    [Fact]
    public async Task Two_authorization_headers_are_403_naming_the_fault()
    {
        var response = await RawRequestAsync(
            "POST /complete HTTP/1.1\r\nHost: x\r\nAuthorization: Grid abcd\r\nAuthorization: Grid efgh\r\n" +
            "Content-Length: 7\r\nConnection: close\r\n\r\necho/hi");

        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("Authorization is given 2 times", response);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_header_that_is_not_ascii_is_refused_by_kestrel_and_the_node_keeps_serving()
    {
        var response = await RawRequestAsync(
            "POST /complete HTTP/1.1\r\nHost: x\r\nAuthorization: Grid \u00e9\u00e9\u00e9\u00e9\r\n" +
            "Content-Length: 7\r\nConnection: close\r\n\r\necho/hi");

        Assert.Matches("^HTTP/1.1 4[0-9][0-9]", response);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Random_header_values_always_end_in_a_defined_answer()
    {
        // Characters around the base64url alphabet's edges, the separator and white space.
        const string alphabet = "ABZaz09-_+/=.,; \t!$%";
        var random = new Random(1234);
        var linesBefore = Node.Lines.Count;
        for (var i = 0; i < 300; i++)
        {
            var value = new StringBuilder("Grid ");
            var length = random.Next(0, 40);
            for (var j = 0; j < length; j++) value.Append(alphabet[random.Next(alphabet.Length)]);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Node.Gateway, "/complete"))
            {
                Content = new ByteArrayContent("echo/hi"u8.ToArray()),
            };
            request.Headers.TryAddWithoutValidation("Authorization", value.ToString().TrimEnd());
            using var response = await Node.Http.SendAsync(request);
            // A header that happens to decode is no capability the node asks for (it checks
            // nothing), so echo answers; anything else is refused with a reason.
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden,
                $"'{value}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.DoesNotContain(Node.Lines.Skip(linesBefore), l => l.Contains("xception") || l.Contains("unhandled"));
    }

    private async Task AssertStillServingAsync()
    {
        using var next = await Node.CompleteAsync("echo/still here"u8.ToArray());
        Assert.Equal("still here", await next.Content.ReadAsStringAsync());
    }

    private async Task<string> RawRequestAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Node.Gateway.Host, Node.Gateway.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
