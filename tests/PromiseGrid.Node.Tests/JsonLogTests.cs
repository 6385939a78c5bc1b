using System.Text.Json;
using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests;

/// <summary><c>PG_LOGFORMAT=json</c> on a real node process, from start to a graceful stop (README.md, "Observe: the logs").</summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task Every_line_is_a_json_object_with_the_pairs_of_the_message_as_fields()
    {
        await using var node = await NodeProcess.StartAsync(new Dictionary<string, string> { ["PG_LOGFORMAT"] = "json" });
        (await node.CompleteAsync("echo/logged"u8.ToArray())).Dispose();
        Assert.Equal(0, await node.TerminateAsync(TimeSpan.FromSeconds(30)));

        var lines = node.Lines.ToList();
        var objects = lines.Select(line =>
        {
            try
            {
                return JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException error)
            {
                throw new Xunit.Sdk.XunitException($"not a JSON line: {line} ({error.Message})");
            }
        }).ToList();
        Assert.All(objects, o =>
        {
            Assert.Equal(JsonValueKind.Object, o.ValueKind);
            Assert.True(o.TryGetProperty("message", out _) || o.TryGetProperty("Message", out _), o.ToString());
        });

        var registered = objects.Single(o => Field(o, "message")?.StartsWith("module registered module=echo ", StringComparison.Ordinal) == true);
        Assert.Equal("echo", Field(registered, "module"));
        Assert.Equal("echo/", Field(registered, "prefix"));
        Assert.StartsWith("akka.tcp://promisegrid@", Field(registered, "node"));
        Assert.Equal("INFO", Field(registered, "level"));
        Assert.True(DateTimeOffset.TryParse(Field(registered, "time"), out _));
        Assert.True(registered.GetProperty("thread").GetInt32() > 0);
        Assert.False(string.IsNullOrEmpty(Field(registered, "source")));
        // Akka's own lines (remoting, cluster) are JSON too.
        Assert.Contains(objects, o => Field(o, "source")?.StartsWith("Cluster", StringComparison.Ordinal) == true);
        Assert.Contains(objects, o => Field(o, "message")?.StartsWith("node stopping address=", StringComparison.Ordinal) == true);
        // The node's last line, after Akka's logger stopped, says why it exited.
        Assert.Equal("0", Field(objects[^1], "code"));
        Assert.Equal("stopped", Field(objects[^1], "reason"));
    }

    private static string? Field(JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
