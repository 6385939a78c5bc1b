using System.Text;
using Microsoft.AspNetCore.Http;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Core;

namespace PromiseGrid.Cli.Tests;

/// <summary><c>pgrid complete --stream</c>: asks for a streamed completion and writes it as it arrives.</summary>
public sealed class CompleteStreamTests
{
    [Fact]
    public async Task Stream_sends_the_header_and_writes_every_byte_the_node_sends()
    {
        await using var gateway = await FakeGateway.StartAsync(async (_, response) =>
        {
            response.ContentType = "application/octet-stream";
            await response.Body.WriteAsync("Once "u8.ToArray());
            await response.Body.FlushAsync();
            await response.Body.WriteAsync("upon"u8.ToArray());
        });

        var result = await Cli.RunAsync(["complete", "gpt/Once", "--stream", "--node", gateway.Url]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Once upon", result.StdoutText);
        Assert.Equal("1", Assert.Single(gateway.Requests).Header("Grid-Stream"));
    }

    [Fact]
    public async Task A_stream_cut_off_by_the_node_keeps_what_arrived_and_fails_naming_the_byte_count()
    {
        // The fake cuts the connection only once the client has written the first bytes out, as
        // the node does when a module fails after its first part.
        var output = new SignallingStream(expected: 4);
        await using var gateway = await FakeGateway.StartAsync(async (_, response) =>
        {
            response.ContentType = "application/octet-stream";
            await response.Body.WriteAsync("half"u8.ToArray());
            await response.Body.FlushAsync();
            await output.Received.WaitAsync(TimeSpan.FromSeconds(30));
            response.HttpContext.Abort();
        });
        using var client = new GatewayClient(new GatewayTarget(new Uri(gateway.Url)));

        var error = await Assert.ThrowsAsync<GatewayException>(() =>
            client.CompleteStreamingAsync(Sequence.FromText("gpt/x"), null, output, CancellationToken.None));

        Assert.Equal("half", Encoding.UTF8.GetString(output.ToArray()));
        Assert.Contains("cut off after 4 bytes", error.Message);
        Assert.Equal(ExitCodes.GridError, error.ExitCode);
    }

    /// <summary>A memory stream that signals once it holds <c>expected</c> bytes.</summary>
    private sealed class SignallingStream(int expected) : MemoryStream
    {
        private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Received => _received.Task;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await base.WriteAsync(buffer, cancellationToken);
            if (Length >= expected) _received.TrySetResult();
        }
    }

    [Fact]
    public async Task An_error_before_any_byte_is_reported_as_without_stream()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 404, "NoRoute", "No route", "no module serves a prefix of 'x'"));

        var result = await Cli.RunAsync(["complete", "x", "--stream", "--node", gateway.Url]);

        Assert.Equal(ExitCodes.GridError, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("no module serves a prefix of 'x'", result.SingleErrorLine());
    }
}
