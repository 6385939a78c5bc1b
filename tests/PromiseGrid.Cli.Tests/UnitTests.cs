using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Input;

namespace PromiseGrid.Cli.Tests;

public sealed class NodeAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7070", "http://127.0.0.1:7070/")]
    [InlineData("http://127.0.0.1:7070/", "http://127.0.0.1:7070/")]
    [InlineData("https://grid.example/base", "https://grid.example/base/")]
    public void Node_url_always_ends_with_a_slash_so_a_base_path_is_kept(string text, string expected)
    {
        Assert.Equal(expected, NodeAddress.Parse(text).AbsoluteUri);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7070/", "http://127.0.0.1:7070")]
    [InlineData("https://grid.example/base/", "https://grid.example/base")]
    public void Display_is_what_a_user_writes(string text, string expected)
    {
        Assert.Equal(expected, NodeAddress.Display(NodeAddress.Parse(text)));
    }
}

public sealed class HexTests
{
    [Fact]
    public void Hex_round_trips_every_byte()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.Equal(all, Hex.Parse(Convert.ToHexString(all)));
        Assert.Equal(all, Hex.Parse(Convert.ToHexStringLower(all)));
    }

    [Fact]
    public void Empty_hex_is_the_empty_sequence() => Assert.Empty(Hex.Parse(" "));
}

public sealed class ProblemTests
{
    [Theory]
    [InlineData("NoRoute", "no route")]
    [InlineData("BrokenPromise", "broken promise")]
    [InlineData("Denied", "denied")]
    [InlineData("SomethingNewer", "something newer")]
    public void Grid_words_read_as_phrases(string word, string phrase) => Assert.Equal(phrase, Problem.Phrase(word));

    [Fact]
    public void Problem_without_grid_member_uses_title()
    {
        var e = Problem.ToException(400, "Bad Request", """{"title":"Bad request","status":400,"detail":"empty body"}"""u8);
        Assert.Equal("Bad request: empty body (400)", e.Message);
        Assert.Null(e.GridStatus);
    }

    [Fact]
    public void Problem_keeps_status_word_and_detail()
    {
        var e = Problem.ToException(504, "Gateway Timeout",
            """{"title":"Broken promise","status":504,"detail":"echo@n1 did not answer in 5000 ms","grid":"BrokenPromise"}"""u8);
        Assert.Equal("broken promise: echo@n1 did not answer in 5000 ms (504)", e.Message);
        Assert.Equal("BrokenPromise", e.GridStatus);
        Assert.Equal(504, e.HttpStatus);
        Assert.Equal(ExitCodes.GridError, e.ExitCode);
    }

    [Fact]
    public void Empty_error_body_names_the_http_status()
    {
        var e = Problem.ToException(502, null, ReadOnlySpan<byte>.Empty);
        Assert.Equal("node answered HTTP 502 Bad Gateway", e.Message);
    }
}
