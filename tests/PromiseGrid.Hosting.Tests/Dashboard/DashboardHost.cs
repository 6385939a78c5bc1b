using System.Collections;
using System.Net.Http.Headers;
using Akka.Hosting;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Hosting.Gateway;
using Xunit;

namespace PromiseGrid.Hosting.Tests.Dashboard;

/// <summary>A node in a host of its own on a real Kestrel port, with the sys module and <see cref="UserHostTests.UpperModule"/>; optionally trusting one issuer.</summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("pg-dashboard-").FullName;
    private readonly WebApplication _app;

    private DashboardHost(GridKey? trusted, Action<WebApplication>? mapOwn)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAkka("promisegrid", (akka, _) => akka
            .WithPromiseGrid(o =>
            {
                o.Environment = new Hashtable(); // the test's settings only, whatever PG_* the machine has
                o.Port = 0;
                o.Modules = ["sys"];
                o.DataFolder = _data;
                o.LogLevel = "WARNING";
                if (trusted is not null) o.Trust.Add(trusted.PublicKeyText);
            })
            .WithGridModule<UserHostTests.UpperModule>());
        _app = builder.Build();
        _app.MapPromiseGrid();
        mapOwn?.Invoke(_app);
    }

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Starts the host and returns once /health is 200 (the node is Up with its modules' routes).</summary>
    /// <param name="mapOwn">The host's own endpoints, mapped after the grid's.</param>
    public static async Task<DashboardHost> StartAsync(GridKey? trusted = null, Action<WebApplication>? mapOwn = null)
    {
        var host = new DashboardHost(trusted, mapOwn);
        await host._app.StartAsync();
        host.Http = new HttpClient { BaseAddress = new Uri(host._app.Urls.First()) };
        await Poll.UntilAsync(async () => (await host.Http.GetAsync("/health")).IsSuccessStatusCode, "the node became healthy");
        if (trusted is not null)
        {
            // A cluster node serves no token until it has read the replicated revocations.
            var now = DateTimeOffset.UtcNow;
            var probe = CapabilityToken.Issue(trusted, [], now.AddMinutes(-1), now.AddMinutes(5));
            await Poll.UntilAsync(async () => (await host.StateAsync(probe)).IsSuccessStatusCode, "the node accepts tokens");
        }
        return host;
    }

    /// <summary>GET /dashboard/state, with <c>Authorization: Grid token</c> when a token is given.</summary>
    public Task<HttpResponseMessage> StateAsync(CapabilityToken? token = null) => StateAsync(token is null ? null : GridAuthorization.Format(token.Encoded, []));

    public Task<HttpResponseMessage> StateAsync(string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/state");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> CompleteAsync(string sequence, CapabilityToken? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/complete") { Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(sequence)) };
        if (token is not null) request.Headers.Authorization = AuthenticationHeaderValue.Parse(GridAuthorization.Format(token.Encoded, []));
        return Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}

/// <summary>Polls a condition with a generous bound: a loaded machine is slow, never wrong.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (timeout.IsCancellationRequested) Assert.Fail($"not within 60 s: {what}");
            await Task.Delay(50);
        }
    }
}
