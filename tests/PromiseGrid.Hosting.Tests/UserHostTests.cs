using System.Collections;
using System.Net;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using PromiseGrid.Core;
using PromiseGrid.Hosting;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Kernel.Modules;
using Xunit;

namespace PromiseGrid.Hosting.Tests;

/// <summary>
/// A user's own ASP.NET Core host running a node with its own module, through the public
/// integration only: AddAkka + WithPromiseGrid + WithGridModule, then MapPromiseGrid.
/// </summary>
public sealed class UserHostTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("pg-hosting-").FullName;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _app = BuildHost(akka => akka
            .WithPromiseGrid(o =>
            {
                o.Environment = new Hashtable(); // the test's settings only, whatever PG_* the machine has
                o.Port = 0;
                o.Modules = ["sys"];
                o.DataFolder = _data;
                o.LogLevel = "WARNING";
            })
            .WithGridModule<UpperModule>());
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private static WebApplication BuildHost(Action<AkkaConfigurationBuilder> configure, string systemName = "promisegrid")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAkka(systemName, (akka, _) => configure(akka));
        var app = builder.Build();
        app.MapPromiseGrid();
        return app;
    }

    private async Task WaitHealthyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var health = await _http.GetAsync("/health", timeout.Token);
            if (health.IsSuccessStatusCode) return;
            await Task.Delay(50, timeout.Token);
        }
    }

    [Fact]
    public async Task The_hosts_own_module_answers_through_its_gateway()
    {
        await WaitHealthyAsync();

        using var response = await _http.PostAsync("/complete", new ByteArrayContent("upper/hello grid"u8.ToArray()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HELLO GRID", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("upper@akka.tcp://promisegrid@", response.Headers.GetValues("Grid-Provider").Single());
    }

    [Fact]
    public async Task Health_names_the_modules_from_settings_and_from_WithGridModule()
    {
        await WaitHealthyAsync();

        using var health = await _http.GetAsync("/health");
        var modules = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("modules")
            .EnumerateArray().Select(m => m.GetString()).ToArray();

        Assert.Equal(new[] { "sys", nameof(UpperModule) }, modules);
    }

    [Fact]
    public async Task The_module_is_in_the_actor_registry_under_its_type()
    {
        await WaitHealthyAsync();

        var registry = _app.Services.GetRequiredService<ActorRegistry>();

        Assert.True(registry.TryGet<UpperModule>(out var module));
        Assert.Equal(nameof(UpperModule), module.Path.Name);
    }

    [Fact]
    public async Task A_system_not_named_promisegrid_fails_the_start_naming_the_fault()
    {
        await using var app = BuildHost(akka => akka.WithPromiseGrid(o =>
        {
            o.Environment = new Hashtable();
            o.Port = 0;
            o.Modules = [];
            o.DataFolder = _data;
        }), systemName: "other");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains("must be 'promisegrid'", error.ToString());
    }

    [Fact]
    public void A_bad_setting_is_refused_naming_it()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddAkka("promisegrid", (akka, _) => akka.WithPromiseGrid(o =>
        {
            o.Environment = new Hashtable();
            o.Modules = ["nosuch"];
        }));
        using var app = builder.Build();

        var error = Assert.Throws<NodeConfigurationException>(() => app.Services.GetRequiredService<ActorSystem>());

        Assert.Contains("unknown module 'nosuch'", error.Message);
    }

    /// <summary><c>upper/</c>: the rest in upper case.</summary>
    public sealed class UpperModule() : ModuleActor("upper", "upper/")
    {
        protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
            ValueTask.FromResult(new Sequence(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(request.Rest.Span).ToUpperInvariant())));
    }
}
