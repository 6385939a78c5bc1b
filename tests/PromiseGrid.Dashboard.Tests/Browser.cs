using Microsoft.Playwright;

namespace PromiseGrid.Dashboard.Tests;

/// <summary>
/// Debian's chromium, headless, through Playwright. Playwright never downloads a browser here: it
/// is given the system's executable (<c>PG_CHROMIUM</c>, default /usr/bin/chromium; .ci/run installs
/// Debian's <c>chromium</c>). A missing browser fails the test with that advice, never skips it.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("PG_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"no browser at {ExecutablePath}: install Debian's chromium (apt-get install -y chromium) or set PG_CHROMIUM");
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // The gateways' addresses exist only on this host (network namespaces): never through a proxy.
            Args = ["--no-proxy-server"],
        });
    }

    /// <summary>A fresh page (its own session storage) the size of an operator's screen.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null) await Chromium.DisposeAsync();
        _playwright?.Dispose();
    }
}
