using System.Text.Json;
using Akka.Event;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Hosting.Logs;
using Xunit;

namespace PromiseGrid.Hosting.Tests;

/// <summary>The JSON of <c>PG_LOGFORMAT=json</c>, one event at a time, and its setting.</summary>
public sealed class JsonLogLineTests
{
    [Fact]
    public void The_pairs_of_the_message_are_fields_named_by_their_keys_and_the_exception_is_a_field()
    {
        var error = new Error(new InvalidOperationException("boom"), "akka://promisegrid/user/echo", typeof(JsonLogLineTests),
            "module failed module=echo prefix=echo/ trace_id=4bf92f3577b34da6a3ce929d0e0e4736 reason=\"two words\" level=shadowed");

        var line = JsonDocument.Parse(JsonLogLine.Format(error)).RootElement;

        Assert.Equal("ERROR", line.GetProperty("level").GetString());
        Assert.Equal("akka://promisegrid/user/echo", line.GetProperty("source").GetString());
        Assert.Equal(typeof(JsonLogLineTests).FullName, line.GetProperty("logger").GetString());
        Assert.Equal("echo", line.GetProperty("module").GetString());
        Assert.Equal("echo/", line.GetProperty("prefix").GetString());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", line.GetProperty("trace_id").GetString());
        Assert.Equal("two words", line.GetProperty("reason").GetString());
        Assert.Contains("InvalidOperationException: boom", line.GetProperty("exception").GetString());
        Assert.StartsWith("module failed module=echo", line.GetProperty("message").GetString());
    }

    [Fact]
    public void A_key_that_names_a_field_of_the_line_does_not_replace_it()
    {
        var info = new Info("src", typeof(JsonLogLineTests), "something level=shadowed time=later");

        var text = JsonLogLine.Format(info);

        var line = JsonDocument.Parse(text).RootElement;
        Assert.Equal("INFO", line.GetProperty("level").GetString());
        Assert.NotEqual("later", line.GetProperty("time").GetString());
        Assert.Single(line.EnumerateObject(), p => p.Name == "level");
    }

    [Theory]
    [InlineData("json", "json")]
    [InlineData(" JSON ", "json")]
    [InlineData("text", "text")]
    public void The_log_format_is_text_or_json(string value, string expected) =>
        Assert.Equal(expected, NodeSettings.Load(new System.Collections.Hashtable { ["PG_LOGFORMAT"] = value }).LogFormat);

    [Fact]
    public void A_bad_log_format_is_refused_naming_the_variable_and_the_key()
    {
        var error = Assert.Throws<NodeConfigurationException>(() => NodeSettings.Load(new System.Collections.Hashtable { ["PG_LOGFORMAT"] = "xml" }));
        Assert.Contains("PG_LOGFORMAT (promisegrid.node.log-format) must be one of text, json, got 'xml'", error.Message);
    }

    [Fact]
    public void Json_makes_the_json_logger_akkas_only_logger_and_akkas_own_stdout_lines_json()
    {
        var json = NodeSettings.Load(new System.Collections.Hashtable { ["PG_LOGFORMAT"] = "json" }).AkkaConfig;
        Assert.Equal([JsonLogger.TypeName], json.GetStringList("akka.loggers"));
        Assert.Equal(JsonStandardOutLogger.TypeName, json.GetString("akka.stdout-logger-class"));

        var text = NodeSettings.Load(new System.Collections.Hashtable()).AkkaConfig;
        Assert.DoesNotContain(JsonLogger.TypeName, text.GetStringList("akka.loggers"));
        Assert.NotEqual(JsonStandardOutLogger.TypeName, text.GetString("akka.stdout-logger-class", ""));
    }
}
