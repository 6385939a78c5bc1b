using System.Net.Http.Headers;
using Microsoft.Playwright;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Node.Tests.Harness;
using static Microsoft.Playwright.Assertions;

namespace PromiseGrid.Dashboard.Tests;

/// <summary>
/// The page on a node that checks tokens (PG_TRUST), in headless Chromium: it asks for a token
/// and shows why one is refused, then shows what an accepted token's prefix covers, and keeps
/// the token for the tab.
/// </summary>
public sealed class TokenDashboardTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task The_page_asks_for_a_token_says_why_one_is_refused_and_shows_only_what_a_good_one_covers()
    {
        using var root = GridKey.Generate();
        using var stranger = GridKey.Generate();
        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["PG_TRUST"] = root.PublicKeyText,
            ["PG_MODULES"] = "echo,sys,hash",
        });
        var now = DateTimeOffset.UtcNow;
        var hashOnly = CapabilityToken.Issue(root, "hash/"u8, now.AddMinutes(-1), now.AddHours(1));
        await Poll.UntilAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.Gateway, "/dashboard/state"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Grid", hashOnly.ToText());
            return (await node.Http.SendAsync(request)).IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), () => $"the node never accepted a token. Log:\n{node.Log}");

        var page = await browser.NewPageAsync();
        await page.GotoAsync(node.Gateway.ToString());
        await Expect(page.Locator("#auth")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#board")).ToBeHiddenAsync();
        await Expect(page.Locator("#auth-reason")).ToContainTextAsync("no capability token");

        await SubmitAsync(page, "not a token!");
        await Expect(page.Locator("#auth-reason")).ToContainTextAsync("not base64url", new() { Timeout = 30_000 });
        await SubmitAsync(page, CapabilityToken.Issue(stranger, [], now.AddMinutes(-1), now.AddHours(1)).ToText());
        await Expect(page.Locator("#auth-reason")).ToContainTextAsync("token refused", new() { Timeout = 30_000 });

        await SubmitAsync(page, hashOnly.ToText());
        await Expect(page.Locator("#board")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#scope")).ToHaveTextAsync("token prefix 'hash/'");
        await Expect(page.Locator("#routes tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#routes tbody tr[data-prefix='hash/sha256/']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#members-section")).ToBeHiddenAsync();
        await Expect(page.Locator("#cache-section")).ToBeHiddenAsync();
        await Expect(page.Locator("#completions-section")).ToBeHiddenAsync();

        // The token is kept for the tab: a reload shows the board at once.
        await page.ReloadAsync();
        await Expect(page.Locator("#board")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#auth")).ToBeHiddenAsync();
    }

    private static async Task SubmitAsync(IPage page, string token)
    {
        await page.Locator("#auth-token").FillAsync(token);
        await page.Locator("#auth-form button[type='submit']").ClickAsync();
    }
}
