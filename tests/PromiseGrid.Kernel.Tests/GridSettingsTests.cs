namespace PromiseGrid.Kernel.Tests;

/// <summary>The <c>promisegrid</c> settings: reference.conf defaults, overrides, clamping and validation.</summary>
public sealed class GridSettingsTests
{
    private static readonly GridSettings Defaults = GridSettings.Create(ConfigurationFactory.Empty);

    [Fact]
    public void Defaults_come_from_reference_conf()
    {
        Assert.Equal(1048576, Defaults.MaxSequenceBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), Defaults.DefaultDeadline);
        Assert.Equal(TimeSpan.FromSeconds(60), Defaults.MaxDeadline);
        Assert.Equal("router", Defaults.RouterActorName);
        Assert.Equal(1024, Defaults.MaxPrefixBytes);
        Assert.Equal(16, Defaults.MaxHops);
    }

    [Fact]
    public void The_embedded_reference_conf_holds_every_key()
    {
        var config = GridSettings.DefaultConfig();

        Assert.Equal(1048576, config.GetInt("promisegrid.max-sequence-bytes"));
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("promisegrid.default-deadline"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("promisegrid.max-deadline"));
        Assert.Equal("router", config.GetString("promisegrid.router-actor-name"));
        Assert.Equal(1024, config.GetInt("promisegrid.max-prefix-bytes"));
    }

    [Fact]
    public void Given_keys_override_and_the_rest_fall_back_to_defaults()
    {
        var settings = GridSettings.Create(ConfigurationFactory.ParseString("""
            promisegrid.max-sequence-bytes = 100
            promisegrid.max-deadline = 2m
            """));

        Assert.Equal(100, settings.MaxSequenceBytes);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.MaxDeadline);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.DefaultDeadline);
        Assert.Equal("router", settings.RouterActorName);
        Assert.Equal(1024, settings.MaxPrefixBytes);
    }

    [Theory]
    [InlineData(null, 5000)]
    [InlineData(1, 1)]
    [InlineData(2000, 2000)]
    [InlineData(60000, 60000)]
    [InlineData(60001, 60000)]
    [InlineData(3600000, 60000)]
    [InlineData(0, 0)]
    [InlineData(-1000, -1000)]
    public void DeadlineFor_defaults_and_clamps_but_keeps_a_passed_deadline(int? requestedMs, int expectedMs)
    {
        TimeSpan? requested = requestedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Defaults.DeadlineFor(requested));
    }

    [Theory]
    [InlineData("promisegrid.max-sequence-bytes = 0")]
    [InlineData("promisegrid.max-sequence-bytes = -1")]
    [InlineData("promisegrid.default-deadline = 0s")]
    [InlineData("promisegrid.max-deadline = 1s")]
    [InlineData("promisegrid.router-actor-name = \"\"")]
    [InlineData("promisegrid.max-hops = -1")]
    [InlineData("promisegrid.router-actor-name = \"  \"")]
    [InlineData("promisegrid.max-prefix-bytes = 0")]
    public void Invalid_values_throw_ConfigurationException(string hocon)
    {
        var config = ConfigurationFactory.ParseString(hocon);

        var error = Assert.Throws<ConfigurationException>(() => GridSettings.Create(config));
        Assert.Contains("promisegrid.", error.Message);
    }

    [Fact]
    public void Max_deadline_equal_to_default_deadline_is_valid()
    {
        var settings = GridSettings.Create(ConfigurationFactory.ParseString("""
            promisegrid.default-deadline = 2s
            promisegrid.max-deadline = 2s
            """));

        Assert.Equal(TimeSpan.FromSeconds(2), settings.DeadlineFor(TimeSpan.FromSeconds(10)));
    }
}
