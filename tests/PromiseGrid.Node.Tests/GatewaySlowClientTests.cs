using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary>
/// Thousands of clients that hold a gateway's connections without finishing a request: idle
/// ones that send nothing, ones that never finish their headers, ones that announce a body and
/// never send it. Kestrel's limits (promisegrid.node.gateway) cut each of them off; the node
/// serves a well-behaved client meanwhile, and sums the cut-off bodies up in one log line
/// instead of a stack trace each.
/// </summary>
public sealed class GatewaySlowClientTests
{
    private const int IdleClients = 1000;
    private const int SlowHeaderClients = 1000;
    private const int SlowBodyClients = 500;

    [Fact]
    public async Task Idle_and_slow_clients_are_cut_off_while_others_are_served_and_the_log_stays_short()
    {
        // Shorter than the defaults so the test does not wait for them; the mechanism is the same.
        var config = Path.Combine(Directory.CreateTempSubdirectory("pg-conf-").FullName, "limits.conf");
        await File.WriteAllTextAsync(config, """
            promisegrid.node.gateway.request-headers-timeout = 3s
            promisegrid.node.gateway.min-body-grace = 2s
            """);
        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string> { ["PG_MODULES"] = "echo,sys" }, "--config", config);
        var clients = new List<TcpClient>();
        try
        {
            for (var i = 0; i < IdleClients; i++)
                clients.Add(await ConnectAsync(node, ""));
            for (var i = 0; i < SlowHeaderClients; i++)
                clients.Add(await ConnectAsync(node, "POST /complete HTTP/1.1\r\nHost: x\r\n"));
            for (var i = 0; i < SlowBodyClients; i++)
                clients.Add(await ConnectAsync(node, "POST /complete HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nec"));

            using (var served = await node.CompleteAsync("echo/served meanwhile"u8.ToArray()))
                Assert.Equal("served meanwhile", await served.Content.ReadAsStringAsync());

            // Every one of them is closed from the server's side.
            await Task.WhenAll(clients.Select(c => ReadUntilClosedAsync(c, TimeSpan.FromSeconds(120))));
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }

        using (var after = await node.CompleteAsync("echo/still here"u8.ToArray()))
            Assert.Equal("still here", await after.Content.ReadAsStringAsync());
        Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));

        Assert.DoesNotContain(node.Lines, l => l.Contains("xception") || l.Contains("unhandled") || l.TrimStart().StartsWith("at "));
        var summaries = node.Lines.Where(l => l.Contains("gateway dropped requests=")).ToList();
        var dropped = summaries.Sum(l => int.Parse(Regex.Match(l, @"requests=(\d+)").Groups[1].Value));
        Assert.Equal(SlowBodyClients, dropped);
        Assert.InRange(summaries.Count, 1, 3);
        // 2,500 hostile clients leave a handful of lines, not thousands.
        Assert.True(node.Lines.Count < 200, $"{node.Lines.Count} log lines:\n{node.Log}");
    }

    private static async Task<TcpClient> ConnectAsync(NodeProcess node, string start)
    {
        var client = new TcpClient();
        await client.ConnectAsync(node.Gateway.Host, node.Gateway.Port);
        if (start.Length > 0) await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(start));
        return client;
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
