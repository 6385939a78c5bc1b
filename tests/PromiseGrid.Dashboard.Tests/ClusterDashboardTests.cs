using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Playwright;
using PromiseGrid.Node.Tests.Harness;
using static Microsoft.Playwright.Assertions;

namespace PromiseGrid.Dashboard.Tests;

/// <summary>
/// Issue 15's browser check: the compose topology as real node processes (hash/ runs only on
/// node3), node1's dashboard in headless Chromium. It shows three members Up; after node3 is
/// SIGKILLed under requests for hash/, it shows node3 unreachable and the broken promises.
/// </summary>
public sealed class ClusterDashboardTests(Browser browser) : IClassFixture<Browser>
{
    private const string Node3 = "akka.ssl.tcp://promisegrid@node3:4053";
    private static readonly LocatorAssertionsToHaveCountOptions Long = new() { Timeout = 90_000 };

    [Fact]
    public async Task The_page_shows_three_members_up_then_node3_unreachable_and_its_broken_promises()
    {
        await using var cluster = await ComposeCluster.UpAsync("node1", "node2", "node3");
        // Every hash/ request node1 sees answered is a promise node3 kept.
        var kept = 1;
        await Poll.UntilAsync(async () => (await HashAsync(cluster, 0, 3000)) == HttpStatusCode.OK, TimeSpan.FromSeconds(60),
            () => "hash/ on node3 reachable through node1");

        var page = await browser.NewPageAsync();
        var console = new ConcurrentQueue<string>();
        page.Console += (_, message) => { if (message.Type == "error") console.Enqueue(message.Text); };
        page.PageError += (_, error) => console.Enqueue(error);
        await page.GotoAsync(cluster.GatewayOf("node1").ToString());

        var members = page.Locator("#members tbody tr");
        await Expect(page.Locator("#members tbody tr[data-status='Up'][data-reachable='true']")).ToHaveCountAsync(3, Long);
        await Expect(members).ToHaveCountAsync(3);
        await Expect(page.Locator("#tile-members")).ToHaveTextAsync("3 / 3");

        // Requests for hash/ (node3 only) and echo/ (every node) through node1: kept promises.
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await HashAsync(cluster, i, 3000));
            kept++;
            using var echo = await cluster.CompleteAsync("node1", Encoding.ASCII.GetBytes("echo/" + i), 3000);
            Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        }
        var hashRow = page.Locator($"#ledger tbody tr[data-provider='hash@{Node3}']");
        await Expect(hashRow).ToHaveAttributeAsync("data-kept", kept.ToString(), new() { Timeout = 30_000 });
        await Expect(page.Locator($"#routes tbody tr[data-prefix='hash/sha256/'] [data-node='{Node3}'][data-reachable='true']")).ToHaveCountAsync(1);

        // node3 crashes while node1's clients keep asking for hash/: those sent before node1 notices
        // wait for their deadline, and node3 has broken its promise.
        await cluster.KillAsync("node3");
        using var stop = new CancellationTokenSource();
        var outcomes = new ConcurrentQueue<HttpStatusCode>();
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested && n < 2000; n++)
            {
                outcomes.Enqueue(await HashAsync(cluster, 1000 * worker + n, 1500));
                await Task.Delay(20); // NoRoute answers at once once node3 is out: no need to hammer
            }
        })).ToArray();
        try
        {
            var node3 = page.Locator($"#members tbody tr[data-address='{Node3}']");
            await Expect(node3).ToHaveAttributeAsync("data-reachable", "false", new() { Timeout = 90_000 });
            await Expect(node3.Locator("td").Nth(2)).ToHaveTextAsync("unreachable");
            await Expect(page.Locator("#tile-unreachable")).ToHaveTextAsync("1");
            await Expect(page.Locator($"#routes tbody tr[data-prefix='hash/sha256/'] [data-node='{Node3}'][data-reachable='false']")).ToHaveCountAsync(1);
            await Expect(hashRow).Not.ToHaveAttributeAsync("data-broken", "0", new() { Timeout = 60_000 });
            await Expect(hashRow.Locator("td").Nth(6)).Not.ToBeEmptyAsync(); // the last reason
            await Expect(page.Locator("#tile-broken")).Not.ToHaveTextAsync("0");
            Assert.Contains(HttpStatusCode.GatewayTimeout, outcomes);

            // Let the charts show the failures' second before the picture is taken.
            await Expect(page.Locator("#tile-failed")).Not.ToHaveTextAsync("0.0", new() { Timeout = 30_000 });
            await SaveScreenshotAsync(page);
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(load);
        }
        Assert.True(console.IsEmpty, "the page logged errors:\n" + string.Join("\n", console));
    }

    private static async Task<HttpStatusCode> HashAsync(ComposeCluster cluster, int n, int deadlineMs)
    {
        using var response = await cluster.CompleteAsync("node1", Encoding.ASCII.GetBytes("hash/sha256/" + n), deadlineMs);
        return response.StatusCode;
    }

    /// <summary>
    /// Into the test output always; over docs/images/dashboard.png (the README's picture) when
    /// <c>PG_DOCS_SCREENSHOT=1</c>, so an ordinary test run leaves the repository as it was.
    /// </summary>
    private static async Task SaveScreenshotAsync(IPage page)
    {
        var output = Path.Combine(AppContext.BaseDirectory, "screenshots", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = output, FullPage = true });
        Assert.True(new FileInfo(output).Length > 10_000, $"screenshot {output} is nearly empty");
        if (Environment.GetEnvironmentVariable("PG_DOCS_SCREENSHOT") == "1")
        {
            var docs = Path.Combine(RepoPaths.Root, "docs", "images");
            Directory.CreateDirectory(docs);
            File.Copy(output, Path.Combine(docs, "dashboard.png"), overwrite: true);
        }
    }
}
