using PromiseGrid.Gpt.Model;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Modules.Gpt;

namespace PromiseGrid.Modules.Tests.Gpt;

/// <summary>The grammar of what follows <c>gpt/</c>: the options segment, its defaults, and the refusals.</summary>
public sealed class GptRequestTests
{
    private const int DefaultBytes = 64;
    private const int MaxBytes = 100;

    private static GptRequest Parse(string rest) => GptRequest.Parse(Sequence.FromUtf8(rest), DefaultBytes, MaxBytes);

    [Fact]
    public void Without_options_the_whole_rest_is_the_prompt_and_every_default_applies()
    {
        var request = Parse("Once upon a time");

        Assert.Equal(DefaultBytes, request.Count);
        Assert.Equal(new SamplingOptions(0.8f, 40, 0, null), request.Sampling);
        Assert.Equal("Once upon a time", request.Prompt.ToString());
    }

    [Theory]
    [InlineData("a/b,c=d", "a/b,c=d")]         // slashes, commas and = in a prompt are the prompt's
    [InlineData("q=1/x", "q=1/x")]             // an unknown key does not open an options segment
    [InlineData("N=5/x", "N=5/x")]             // keys are lower case
    [InlineData("n/x", "n/x")]                 // a key without '=' is text
    [InlineData("stopper=1/x", "stopper=1/x")] // "stop" must be followed by '=' at once
    [InlineData("", "")]
    public void A_rest_that_does_not_start_with_a_key_and_equals_is_all_prompt(string rest, string prompt)
    {
        var request = Parse(rest);

        Assert.Equal(prompt, request.Prompt.ToString());
        Assert.Equal(DefaultBytes, request.Count);
    }

    [Theory]
    [InlineData("n=5/hi", 5, 0.8f, 40, 0, null)]
    [InlineData("n=100/hi", 100, 0.8f, 40, 0, null)]
    [InlineData("t=0/hi", 64, 0f, 40, 0, null)]
    [InlineData("t=1.25/hi", 64, 1.25f, 40, 0, null)]
    [InlineData("t=.5/hi", 64, 0.5f, 40, 0, null)]
    [InlineData("t=2./hi", 64, 2f, 40, 0, null)]
    [InlineData("k=0/hi", 64, 0.8f, 0, 0, null)]
    [InlineData("k=256/hi", 64, 0.8f, 256, 0, null)]
    [InlineData("s=7/hi", 64, 0.8f, 40, 7, null)]
    [InlineData("s=2147483647/hi", 64, 0.8f, 40, int.MaxValue, null)]
    [InlineData("stop=0a/hi", 64, 0.8f, 40, 0, 10)]
    [InlineData("stop=FF/hi", 64, 0.8f, 40, 0, 255)]
    [InlineData("s=3,stop=2e,k=5,t=0.1,n=9/hi", 9, 0.1f, 5, 3, 0x2e)]
    public void Each_option_sets_its_value_and_leaves_the_others_at_their_defaults(string rest, int count, float temperature, int topK, int seed, int? stop)
    {
        var request = Parse(rest);

        Assert.Equal(count, request.Count);
        Assert.Equal(new SamplingOptions(temperature, topK, seed, (byte?)stop), request.Sampling);
        Assert.Equal("hi", request.Prompt.ToString());
    }

    [Theory]
    [InlineData("n=5/", "")]
    [InlineData("n=5//etc/passwd", "/etc/passwd")]
    [InlineData("n=5/n=6/x", "n=6/x")] // a prompt that begins like options, escaped by an options segment
    [InlineData("n=5/a,b=c", "a,b=c")]
    public void The_prompt_is_everything_after_the_first_slash_of_an_options_segment(string rest, string prompt)
    {
        Assert.Equal(prompt, Parse(rest).Prompt.ToString());
    }

    [Theory]
    [InlineData("n=5", "no closing '/'")]
    [InlineData("n=/x", "n= (bytes to generate) must be a whole number from 1 to 100, got ''")]
    [InlineData("n=abc/x", "must be a whole number from 1 to 100, got 'abc'")]
    [InlineData("n=0/x", "n=0 is out of range")]
    [InlineData("n=101/x", "n=101 is out of range: bytes to generate must be from 1 to 100 (promisegrid.gpt.max-bytes)")]
    [InlineData("n=99999999999999999/x", "must be a whole number")]
    [InlineData("n=-1/x", "got '-1'")]
    [InlineData("t=-1/x", "t= (temperature) must be a decimal number")]
    [InlineData("t=1e3/x", "got '1e3'")]
    [InlineData("t=NaN/x", "got 'NaN'")]
    [InlineData("t=1.2.3/x", "got '1.2.3'")]
    [InlineData("t=./x", "got '.'")]
    [InlineData("t=100.5/x", "t=100.5 is out of range")]
    [InlineData("k=257/x", "k=257 is out of range: top-k (0: all bytes) must be from 0 to 256")]
    [InlineData("s=-1/x", "s= (seed) must be a whole number")]
    [InlineData("s=2147483648/x", "s=2147483648 is out of range")]
    [InlineData("stop=0/x", "stop= must be one byte as two hex digits")]
    [InlineData("stop=zz/x", "got 'zz'")]
    [InlineData("stop=0a0/x", "got '0a0'")]
    [InlineData("n=5,n=6/x", "option 'n' is given twice")]
    [InlineData("n=5,,t=1/x", "option '' is not key=value")]
    [InlineData("n=5,/x", "option '' is not key=value")]
    [InlineData("n=5,q=1/x", "unknown option 'q'; options are n, t, k, s, stop")]
    [InlineData("n=5,t/x", "option 't' is not key=value")]
    [InlineData("n=5 apples/x", "got '5 apples'")]
    public void A_malformed_options_segment_is_a_bad_request_that_says_what_is_wrong(string rest, string reason)
    {
        var error = Assert.Throws<CompletionRefusedException>(() => Parse(rest));

        Assert.Equal(CompletionStatus.BadRequest, error.Status);
        Assert.StartsWith("gpt/: ", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_long_bad_value_is_cut_in_the_reason()
    {
        var error = Assert.Throws<CompletionRefusedException>(() => Parse("n=" + new string('x', 10_000) + "/p"));

        Assert.True(error.Message.Length < 300, error.Message);
    }
}
