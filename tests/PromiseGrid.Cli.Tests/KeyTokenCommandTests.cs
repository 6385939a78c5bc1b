using System.Text;
using System.Text.Json;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Cli.Tests;

/// <summary>
/// <c>pgrid key</c> and <c>pgrid token</c>, driven through the real entry point: the offline
/// token lifecycle (make keys, issue, attenuate, inspect) and its refusals with exit codes.
/// </summary>
public sealed class KeyTokenCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pg-cli-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Runs <c>pgrid key new --out name</c> and returns the public key text it printed.</summary>
    private async Task<string> NewKeyAsync(string name)
    {
        var result = await Cli.RunAsync(["key", "new", "--out", PathOf(name)]);
        Assert.Equal(0, result.ExitCode);
        return result.StdoutText.Trim();
    }

    private static async Task<string> OkAsync(params string[] args)
    {
        var result = await Cli.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"pgrid {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}");
        return result.StdoutText;
    }

    [Fact]
    public async Task Key_new_writes_a_private_PEM_with_mode_0600_and_prints_the_public_key()
    {
        var result = await Cli.RunAsync(["key", "new", "--out", PathOf("root.pem")]);

        Assert.Equal(0, result.ExitCode);
        var publicText = result.StdoutText.Trim();
        Assert.Equal([$"public key: {publicText}"], result.StderrLines);
        var pem = await File.ReadAllTextAsync(PathOf("root.pem"));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem);
        using var key = GridKey.FromPem(pem);
        Assert.Equal(publicText, key.PublicKeyText);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PathOf("root.pem")));
    }

    [Fact]
    public async Task Key_new_refuses_to_overwrite_unless_forced()
    {
        var first = await NewKeyAsync("k.pem");

        var refused = await Cli.RunAsync(["key", "new", "--out", PathOf("k.pem")]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"pgrid: '{PathOf("k.pem")}' already exists; pass --force to replace it", refused.SingleErrorLine());
        Assert.Equal(first, (await OkAsync("key", "public", PathOf("k.pem"))).Trim());

        var forced = await Cli.RunAsync(["key", "new", "--out", PathOf("k.pem"), "--force"]);
        Assert.Equal(0, forced.ExitCode);
        Assert.NotEqual(first, forced.StdoutText.Trim());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PathOf("k.pem")));
    }

    [Fact]
    public async Task Key_new_without_out_prints_only_the_PEM()
    {
        var result = await Cli.RunAsync(["key", "new"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        using var key = GridKey.FromPem(result.StdoutText);
        Assert.True(key.HasPrivateKey);
    }

    [Fact]
    public async Task Key_public_of_a_missing_file_is_a_usage_error()
    {
        var result = await Cli.RunAsync(["key", "public", PathOf("missing.pem")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"pgrid: key: '{PathOf("missing.pem")}' is neither a readable key file nor a key text", result.SingleErrorLine());
    }

    [Fact]
    public async Task Issue_attenuate_and_inspect_with_trust_says_valid()
    {
        var rootPublic = await NewKeyAsync("root.pem");
        var alicePublic = await NewKeyAsync("alice.pem");
        await NewKeyAsync("bob.pem");

        var issued = (await OkAsync("token", "issue", "--key", PathOf("root.pem"), "--prefix", "echo/", "--holder", alicePublic, "--expires", "2h")).Trim();
        await File.WriteAllTextAsync(PathOf("alice.token"), issued + "\n");
        // The new holder named by its key file: only the public half is used.
        var attenuated = (await OkAsync("token", "attenuate", "--token", "@" + PathOf("alice.token"), "--key", PathOf("alice.pem"),
            "--prefix", @"echo/a\x00", "--holder", PathOf("bob.pem"), "--expires", "1h")).Trim();
        var inspected = await Cli.RunAsync(["token", "inspect", attenuated, "--trust", rootPublic]);

        Assert.Equal(0, inspected.ExitCode);
        Assert.Equal("", inspected.Stderr);
        var lines = inspected.StdoutText.Split('\n');
        Assert.Equal("token: 2 links, " + CapabilityToken.Parse(attenuated).Encoded.Length + " bytes", lines[0]);
        Assert.Contains("link 1", lines);
        Assert.Contains(@"  prefix:     echo/a\x00", lines);
        Assert.Contains($"  issuer:     {alicePublic}", lines);
        Assert.Equal("valid", lines.Last(l => l.Length > 0));

        var token = CapabilityToken.Parse(attenuated);
        Assert.Equal((await OkAsync("key", "public", PathOf("bob.pem"))).Trim(), token.Leaf.HolderText);
        var verified = token.Verify(TrustedIssuers.Parse([PathOf("root.pem")]));
        Assert.InRange(verified.Expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task Attenuate_defaults_to_the_parent_prefix_and_expiry_and_makes_a_bearer_token()
    {
        await NewKeyAsync("root.pem");
        var alicePublic = await NewKeyAsync("alice.pem");
        var issued = (await OkAsync("token", "issue", "-k", PathOf("root.pem"), "-p", "6563686f2f", "--hex", "--holder", alicePublic,
            "--expires", "2030-12-01T00:00Z", "--not-before", "2030-11-01T00:00:00Z")).Trim();

        // The parent comes in on standard input.
        var result = await Cli.RunAsync(["token", "attenuate", "--token", "-", "--key", PathOf("alice.pem")], stdin: Encoding.UTF8.GetBytes(issued));

        Assert.Equal(0, result.ExitCode);
        var leaf = CapabilityToken.Parse(result.StdoutText).Leaf;
        Assert.Equal("echo/"u8.ToArray(), leaf.Prefix);
        Assert.Equal(new DateTimeOffset(2030, 12, 1, 0, 0, 0, TimeSpan.Zero), leaf.Expires);
        Assert.Equal(new DateTimeOffset(2030, 11, 1, 0, 0, 0, TimeSpan.Zero), leaf.NotBefore);
        Assert.True(leaf.IsBearer);
    }

    [Fact]
    public async Task Refused_attenuations_exit_1_with_the_reason()
    {
        await NewKeyAsync("root.pem");
        var alicePublic = await NewKeyAsync("alice.pem");
        var bobPublic = await NewKeyAsync("bob.pem");
        var issued = (await OkAsync("token", "issue", "--key", PathOf("root.pem"), "--prefix", "echo/", "--holder", alicePublic, "--expires", "2h")).Trim();

        var widened = await Cli.RunAsync(["token", "attenuate", "-t", issued, "-k", PathOf("alice.pem"), "-p", "hash/"]);
        Assert.Equal(1, widened.ExitCode);
        Assert.Equal("pgrid: prefix 'hash/' does not start with the token's prefix 'echo/'", widened.SingleErrorLine());
        Assert.Empty(widened.Stdout);

        var outlived = await Cli.RunAsync(["token", "attenuate", "-t", issued, "-k", PathOf("alice.pem"), "--expires", "3h"]);
        Assert.Equal(1, outlived.ExitCode);
        Assert.Matches("^pgrid: expiry .* passes the token's expiry .*$", outlived.SingleErrorLine());

        var notHolder = await Cli.RunAsync(["token", "attenuate", "-t", issued, "-k", PathOf("bob.pem")]);
        Assert.Equal(1, notHolder.ExitCode);
        Assert.Equal($"pgrid: the key given ({bobPublic[..12]}…) is not the holder of the token's last link ({alicePublic[..12]}…)",
            notHolder.SingleErrorLine());
    }

    [Theory]
    [InlineData(new[] { "--prefix", @"echo/\q" }, "pgrid: --prefix: bad sequence notation at position 5: unknown escape '\\q' (use \\\\ or \\xHH)")]
    [InlineData(new[] { "--prefix", "echo/", "--expires", "soon" },
        "pgrid: --expires must be a duration from now (90s, 30m, 1h, 7d, 2w) or a UTC time (2026-12-01T00:00Z), got 'soon'")]
    [InlineData(new[] { "--prefix", "zz", "--hex" }, "pgrid: bad hex at position 0: 'z' is not a hex digit")]
    [InlineData(new[] { "--prefix", "echo/", "--holder", "nobody" }, "pgrid: --holder: 'nobody' is not a public key: expected base64url of a 65-byte P-256 point, or a PEM")]
    [InlineData(new[] { "--prefix", "echo/", "--expires", "1h", "--not-before", "2h" }, null)]
    public async Task Usage_errors_in_issue_exit_2(string[] options, string? expected)
    {
        await NewKeyAsync("root.pem");

        var result = await Cli.RunAsync(["token", "issue", "--key", PathOf("root.pem"), .. options]);

        if (expected is null)
        {
            // not-before after expiry is the token rule, not the command line: exit 1.
            Assert.Equal(1, result.ExitCode);
            Assert.Matches("^pgrid: not-before .* is not before expiry .*$", result.SingleErrorLine());
            return;
        }
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.SingleErrorLine());
    }

    [Fact]
    public async Task Issue_with_a_public_key_only_is_a_usage_error()
    {
        var publicText = await NewKeyAsync("root.pem");

        var result = await Cli.RunAsync(["token", "issue", "--key", publicText, "--prefix", "echo/"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"pgrid: --key must be a private key (PEM), to sign; '{publicText}' holds only a public key", result.SingleErrorLine());
    }

    [Theory]
    [InlineData("garbage!", "pgrid: bad token: token text is not base64url")]
    [InlineData("gA", "pgrid: bad token: token has no links")]
    [InlineData("", "pgrid: bad token: token is empty")]
    public async Task Bad_token_text_exits_1_with_the_reason(string text, string expected)
    {
        var result = await Cli.RunAsync(["token", "inspect", text]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(expected, result.SingleErrorLine());
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task A_missing_token_file_is_a_usage_error()
    {
        var result = await Cli.RunAsync(["token", "inspect", "@" + PathOf("nope")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"pgrid: cannot read token file '{PathOf("nope")}': no such file", result.SingleErrorLine());
    }

    [Fact]
    public async Task Inspect_with_the_wrong_trust_prints_the_links_and_exits_1_with_the_reason()
    {
        var rootPublic = await NewKeyAsync("root.pem");
        var otherPublic = await NewKeyAsync("other.pem");
        var issued = (await OkAsync("token", "issue", "--key", PathOf("root.pem"), "--prefix", "echo/")).Trim();

        var result = await Cli.RunAsync(["token", "inspect", issued, "--trust", otherPublic]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"pgrid: invalid token: link 0: issuer {rootPublic[..12]}… is not trusted", result.SingleErrorLine());
        Assert.Contains("  holder:     bearer", result.StdoutText);
        Assert.DoesNotContain("valid", result.StdoutText);
    }

    [Fact]
    public async Task Inspect_with_trust_refuses_an_expired_token()
    {
        var rootPublic = await NewKeyAsync("root.pem");
        var issued = (await OkAsync("token", "issue", "--key", PathOf("root.pem"), "--prefix", "echo/",
            "--not-before", "2001-01-01T00:00Z", "--expires", "2001-01-02T00:00Z")).Trim();

        var result = await Cli.RunAsync(["token", "inspect", issued, "--trust", $"{PathOf("root.pem")},{rootPublic}"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pgrid: invalid token: token expired at 2001-01-02T00:00:00Z", result.SingleErrorLine());
    }

    [Fact]
    public async Task Inspect_json_has_one_object_per_link_and_the_verdict()
    {
        var rootPublic = await NewKeyAsync("root.pem");
        var alicePublic = await NewKeyAsync("alice.pem");
        var issued = (await OkAsync("token", "issue", "--key", PathOf("root.pem"), "--prefix", "echo/", "--holder", alicePublic)).Trim();
        var attenuated = (await OkAsync("token", "attenuate", "--token", issued, "--key", PathOf("alice.pem"), "--prefix", "echo/x")).Trim();

        using var json = JsonDocument.Parse(await OkAsync("token", "inspect", attenuated, "--json", "--trust", rootPublic));

        var root = json.RootElement;
        Assert.True(root.GetProperty("valid").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("reason").ValueKind);
        var links = root.GetProperty("links").EnumerateArray().ToArray();
        Assert.Equal(2, links.Length);
        Assert.Equal(rootPublic, links[0].GetProperty("issuer").GetString());
        Assert.Equal(alicePublic, links[0].GetProperty("holder").GetString());
        Assert.Equal(JsonValueKind.Null, links[0].GetProperty("parent").ValueKind);
        Assert.Equal(JsonValueKind.Null, links[1].GetProperty("holder").ValueKind);
        Assert.Equal("echo/x", links[1].GetProperty("prefix").GetString());
        Assert.Equal("6563686f2f78", links[1].GetProperty("prefixHex").GetString());
        Assert.Equal(links[0].GetProperty("hash").GetString(), links[1].GetProperty("parent").GetString());
    }

    [Fact]
    public async Task Token_help_lists_the_subcommands()
    {
        var result = await Cli.RunAsync(["token", "--help"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var expected in new[] { "issue", "attenuate", "inspect" })
            Assert.Contains(expected, result.StdoutText);
    }
}
