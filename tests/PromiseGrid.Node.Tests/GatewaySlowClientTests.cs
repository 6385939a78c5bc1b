using System.Net.Sockets;
using System.Text;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// Clients that announce a body and never send it are cut off by Kestrel's minimum data rate;
/// the node serves others meanwhile and sums the dropped ones up in one log line instead of a
/// stack trace each.
/// </summary>
public sealed class GatewaySlowClientTests
{
    private const int SlowClients = 200;

    [Fact]
    public async Task Slow_clients_are_cut_off_and_counted_in_one_line_while_others_are_served()
    {
        await using var node = await NodeProcess.StartAsync();
        var slow = new List<TcpClient>();
        try
        {
            for (var i = 0; i < SlowClients; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(node.Gateway.Host, node.Gateway.Port);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
                    "POST /complete HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nec"));
                slow.Add(client);
            }

            using (var served = await node.CompleteAsync("echo/served meanwhile"u8.ToArray()))
                Assert.Equal("served meanwhile", await served.Content.ReadAsStringAsync());

            // Each slow client's connection ends from the server's side (Kestrel's minimum
            // body data rate, after its grace period).
            await Task.WhenAll(slow.Select(c => ReadUntilClosedAsync(c, TimeSpan.FromSeconds(90))));
        }
        finally
        {
            foreach (var client in slow) client.Dispose();
        }

        using (var after = await node.CompleteAsync("echo/still here"u8.ToArray()))
            Assert.Equal("still here", await after.Content.ReadAsStringAsync());
        Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));

        Assert.DoesNotContain(node.Lines, l => l.Contains("xception") || l.Contains("unhandled") || l.TrimStart().StartsWith("at "));
        var summaries = node.Lines.Where(l => l.Contains("gateway dropped requests=")).ToList();
        var dropped = summaries.Sum(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, @"requests=(\d+)").Groups[1].Value));
        Assert.Equal(SlowClients, dropped);
        Assert.InRange(summaries.Count, 1, 3);
    }

    private static async Task ReadUntilClosedAsync(TcpClient client, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, cancel.Token) > 0) { }
        }
        catch (IOException)
        {
            // Reset by the server: closed as well.
        }
    }
}
