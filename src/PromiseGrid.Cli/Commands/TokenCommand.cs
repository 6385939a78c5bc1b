using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Input;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// <c>pgrid token</c>: issue, attenuate and inspect capability tokens, offline; revoke a link through a node. The helpers here
/// (<see cref="ReadTokenAsync"/>, <see cref="LoadKey"/>, <see cref="ParsePrefix"/>,
/// <see cref="ParseTime"/>) are shared with every command that takes a token or a key.
/// </summary>
public static class TokenCommand
{
    /// <summary>Default lifetime of an issued token.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(24);

    private const string TokenHelp = "The token: its text, @FILE to read it from a file, or - for standard input";
    private const string TimeHelp = "a duration from now (90s, 30m, 1h, 7d, 2w) or a UTC time (2026-12-01T00:00Z)";

    /// <param name="global">For subcommands that talk to a node (<c>token revoke</c>); the offline ones ignore it.</param>
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        // One subcommand per factory method below; add new ones to this list.
        return new Command("token",
            "Capability tokens: signed, delegable promises that sequences under a prefix will be completed for their holder. "
            + "issue, attenuate and inspect work offline; revoke tells the grid.")
        {
            Issue(console),
            Attenuate(console),
            Inspect(console),
            Revoke(global, console),
        };
    }

    /// <summary>The prefix the grid serves revocation statements under (the kernel's RevocationModule).</summary>
    public const string RevokePrefix = "sys/revoke/";

    private static Command Revoke(GlobalOptions global, CliConsole console)
    {
        var token = new Option<string>("--token", "-t") { Description = TokenHelp + " (the chain down to the link to revoke)", HelpName = "token", Required = true };
        var link = new Option<int?>("--link", "-l") { Description = "Index of the link to revoke, 0 = the root; default: the last link", HelpName = "index" };
        var key = new Option<string>("--key", "-k")
        {
            Description = "Private key (PEM file) of the link's issuer, of an issuer above it, or of a trusted root",
            HelpName = "file",
            Required = true,
        };
        var command = new Command("revoke",
            "Revoke a link of a token on every node: the node checks the signed statement, records the link's hash in the "
            + "replicated revocation set, and from then on refuses that link and every token below it, until the link expires "
            + "(a link already expired is refused as expired anyway, and its revocation is refused). Prints 'revoked <hash>'.")
        {
            token, link, key,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var node = global.GetNode(parseResult);
            var chain = await ReadTokenAsync(parseResult.GetValue(token)!, console, ct).ConfigureAwait(false);
            var index = parseResult.GetValue(link) ?? chain.Links.Count - 1;
            if (index < 0 || index >= chain.Links.Count)
                throw new UsageException($"--link must be from 0 to {chain.Links.Count - 1}: the token has {chain.Links.Count} link(s)");
            using var signer = LoadKey(parseResult.GetValue(key)!, "--key", requirePrivate: true);
            var statement = RevocationStatement.Create(signer, chain, index);

            using var client = new GatewayClient(node);
            var sequence = Sequence.FromText(RevokePrefix).Concat(new Sequence(statement));
            var answer = await client.CompleteAsync(sequence, null, ct).ConfigureAwait(false);
            await console.Out.WriteLineAsync(Encoding.UTF8.GetString(answer.Bytes).AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Issue(CliConsole console)
    {
        var key = new Option<string>("--key", "-k") { Description = "The issuer's private key (PEM file)", HelpName = "file", Required = true };
        var prefix = new Option<string>("--prefix", "-p") { Description = "The prefix the token covers, in sequence notation (e.g. 'echo/')", HelpName = "prefix", Required = true };
        var hex = HexOption();
        var holder = HolderOption();
        var expires = new Option<string?>("--expires", "-e") { Description = $"When the token expires: {TimeHelp}; default 24h", HelpName = "time" };
        var notBefore = new Option<string?>("--not-before") { Description = $"When the token starts to be valid: {TimeHelp}; default now", HelpName = "time" };
        var command = new Command("issue",
            "Issue a root token signed by --key; prints the token text. Nodes that trust the key's public half (PG_TRUST) accept it.")
        {
            key, prefix, hex, holder, expires, notBefore,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var now = DateTimeOffset.UtcNow;
            var bytes = ParsePrefix(parseResult.GetValue(prefix)!, parseResult.GetValue(hex));
            var start = parseResult.GetValue(notBefore) is { } nb ? ParseTime(nb, now, "--not-before") : now;
            var end = parseResult.GetValue(expires) is { } ex ? ParseTime(ex, now, "--expires") : now + DefaultLifetime;
            var holderKey = LoadHolder(parseResult.GetValue(holder));
            using var issuer = LoadKey(parseResult.GetValue(key)!, "--key", requirePrivate: true);

            var token = Refusable(() => CapabilityToken.Issue(issuer, bytes, start, end, holderKey));
            await console.Out.WriteLineAsync(token.ToText().AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Attenuate(CliConsole console)
    {
        var token = new Option<string>("--token", "-t") { Description = TokenHelp, HelpName = "token", Required = true };
        var key = new Option<string>("--key", "-k") { Description = "The private key of the token's current holder (PEM file)", HelpName = "file", Required = true };
        var prefix = new Option<string?>("--prefix", "-p") { Description = "The narrower prefix, in sequence notation; it must start with the token's; default: the token's", HelpName = "prefix" };
        var hex = HexOption();
        var holder = HolderOption();
        var expires = new Option<string?>("--expires", "-e") { Description = $"The earlier expiry: {TimeHelp}; default: the token's", HelpName = "time" };
        var notBefore = new Option<string?>("--not-before") { Description = $"When the new link starts to be valid: {TimeHelp}; default: the token's", HelpName = "time" };
        var command = new Command("attenuate",
            "Delegate a token, offline: sign a new last link with the holder's key that may only narrow the prefix and shorten the "
            + "expiry, and hand it to --holder (or make it a bearer token). Prints the new token text.")
        {
            token, key, prefix, hex, holder, expires, notBefore,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var now = DateTimeOffset.UtcNow;
            var parent = await ReadTokenAsync(parseResult.GetValue(token)!, console, ct).ConfigureAwait(false);
            var bytes = parseResult.GetValue(prefix) is { } p ? ParsePrefix(p, parseResult.GetValue(hex)) : parent.Leaf.Prefix;
            var end = parseResult.GetValue(expires) is { } ex ? ParseTime(ex, now, "--expires") : parent.Leaf.Expires;
            DateTimeOffset? start = parseResult.GetValue(notBefore) is { } nb ? ParseTime(nb, now, "--not-before") : null;
            var holderKey = LoadHolder(parseResult.GetValue(holder));
            using var signer = LoadKey(parseResult.GetValue(key)!, "--key", requirePrivate: true);

            var child = Refusable(() => parent.Attenuate(signer, bytes, end, holderKey, start));
            await console.Out.WriteLineAsync(child.ToText().AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Inspect(CliConsole console)
    {
        var token = new Argument<string>("token") { Description = TokenHelp };
        var json = new Option<bool>("--json") { Description = "Print JSON (fields: bytes, links[index, issuer, holder, prefix, prefixHex, notBefore, expires, issuedAt, nonce, parent, hash], valid, reason)" };
        var trust = new Option<string[]>("--trust")
        {
            Description = "Also verify against these trusted root keys (key text or file; repeat the option or separate with commas) "
                          + "and print 'valid', or fail with the reason",
            HelpName = "key",
        };
        var command = new Command("inspect", "Show a token's links, root first: issuer, holder, prefix, validity window and hash.")
        {
            token, json, trust,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var trustEntries = (parseResult.GetValue(trust) ?? [])
                .SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .ToList();
            var trusted = trustEntries.Count == 0 ? null : LoadTrust(trustEntries);
            var parsed = await ReadTokenAsync(parseResult.GetValue(token)!, console, ct).ConfigureAwait(false);

            string? reason = null;
            if (trusted is not null)
            {
                try
                {
                    var now = DateTimeOffset.UtcNow;
                    var verified = parsed.Verify(trusted);
                    reason = now >= verified.Expires ? $"token expired at {Time(verified.Expires)}"
                        : now < verified.NotBefore ? $"token not valid before {Time(verified.NotBefore)}"
                        : null;
                }
                catch (CapabilityException e)
                {
                    reason = e.Reason;
                }
            }

            if (parseResult.GetValue(json)) WriteJson(console, parsed, trusted is not null, reason);
            else WriteText(console, parsed, trusted is not null, reason);
            if (reason is not null) throw new CliException($"invalid token: {reason}", ExitCodes.GridError);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// Reads a token given as its text, <c>@FILE</c>, or <c>-</c> (standard input). An unreadable
    /// file is a usage error (exit 2); bytes that are not a token are exit 1 with the reason.
    /// </summary>
    public static async Task<CapabilityToken> ReadTokenAsync(string argument, CliConsole console, CancellationToken cancellationToken)
    {
        var text = await ReadTokenTextAsync(argument, console, cancellationToken).ConfigureAwait(false);
        try
        {
            return CapabilityToken.Parse(text);
        }
        catch (CapabilityException e)
        {
            throw new CliException($"bad token: {e.Reason}", ExitCodes.GridError, e);
        }
    }

    /// <summary>
    /// The token text given as itself, <c>@FILE</c>, or <c>-</c>, trimmed but not parsed: a
    /// request passes it on as it is, and the node that checks it says what is wrong with it.
    /// </summary>
    public static async Task<string> ReadTokenTextAsync(string argument, CliConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(argument);
        ArgumentNullException.ThrowIfNull(console);
        string text;
        if (argument == "-")
        {
            using var reader = new StreamReader(console.In, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (argument.StartsWith('@'))
        {
            var path = argument[1..];
            try
            {
                text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new UsageException($"cannot read token file '{path}': {FileProblem(e)}", e);
            }
        }
        else
        {
            text = argument;
        }
        return text.Trim();
    }

    /// <summary>
    /// Loads a key from a file or key text for option <paramref name="option"/>; every problem is a
    /// usage error naming the option.
    /// </summary>
    public static GridKey LoadKey(string pathOrText, string option, bool requirePrivate)
    {
        ArgumentNullException.ThrowIfNull(pathOrText);
        GridKey key;
        try
        {
            key = GridKey.Load(pathOrText);
        }
        catch (CapabilityException e)
        {
            throw new UsageException($"{option}: {e.Reason}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: cannot read '{pathOrText}': {FileProblem(e)}", e);
        }
        if (requirePrivate && !key.HasPrivateKey)
        {
            key.Dispose();
            throw new UsageException($"{option} must be a private key (PEM), to sign; '{pathOrText}' holds only a public key");
        }
        return key;
    }

    /// <summary>A prefix from sequence notation, or from hex digits when <paramref name="hex"/>.</summary>
    public static byte[] ParsePrefix(string text, bool hex)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (hex) return Hex.Parse(text);
        if (!SequenceText.TryParse(text, out var sequence, out var error)) throw new UsageException($"--prefix: {error!.Message}", error);
        return sequence.Span.ToArray();
    }

    /// <summary>
    /// A time option: <c>now</c>, a duration from <paramref name="now"/> (<c>90s</c>, <c>30m</c>,
    /// <c>1h</c>, <c>7d</c>, <c>2w</c>), or an absolute time, UTC unless it names an offset.
    /// </summary>
    public static DateTimeOffset ParseTime(string text, DateTimeOffset now, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Equals("now", StringComparison.OrdinalIgnoreCase)) return now;
        if (trimmed.Length >= 2
            && long.TryParse(trimmed.AsSpan(0, trimmed.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            var unit = char.ToLowerInvariant(trimmed[^1]) switch
            {
                's' => TimeSpan.FromSeconds(1),
                'm' => TimeSpan.FromMinutes(1),
                'h' => TimeSpan.FromHours(1),
                'd' => TimeSpan.FromDays(1),
                'w' => TimeSpan.FromDays(7),
                _ => TimeSpan.Zero,
            };
            if (unit != TimeSpan.Zero)
            {
                try
                {
                    return now + TimeSpan.FromTicks(checked(count * unit.Ticks));
                }
                catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
                {
                    throw new UsageException($"{option}: '{text}' is too far in the future", e);
                }
            }
        }
        if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var absolute))
            return absolute;
        throw new UsageException($"{option} must be {TimeHelp}, got '{text}'");
    }

    private static byte[]? LoadHolder(string? holder)
    {
        if (holder is null) return null;
        using var key = LoadKey(holder, "--holder", requirePrivate: false);
        return key.PublicKey;
    }

    private static TrustedIssuers LoadTrust(IEnumerable<string> entries)
    {
        var keys = new List<GridKey>();
        try
        {
            foreach (var entry in entries) keys.Add(LoadKey(entry, "--trust", requirePrivate: false));
            return new TrustedIssuers(keys);
        }
        finally
        {
            foreach (var key in keys) key.Dispose();
        }
    }

    private static Option<bool> HexOption() => new("--hex")
    {
        Description = "--prefix is hex digits (whitespace ignored) instead of notation",
    };

    private static Option<string?> HolderOption() => new("--holder")
    {
        Description = "The key the token is handed to: public key text, or a key file (PEM). Without it the token is a bearer "
                      + "token: anyone holding it may use it, and it cannot be delegated further",
        HelpName = "key",
    };

    /// <summary>Signing refusals (prefix does not narrow, expiry passes the parent's, ...) are exit 1 with the reason.</summary>
    private static CapabilityToken Refusable(Func<CapabilityToken> sign)
    {
        try
        {
            return sign();
        }
        catch (CapabilityException e)
        {
            throw new CliException(e.Reason, ExitCodes.GridError, e);
        }
    }

    private static void WriteText(CliConsole console, CapabilityToken token, bool verified, string? reason)
    {
        var output = console.Out;
        output.WriteLine($"token: {token.Links.Count} link{(token.Links.Count == 1 ? "" : "s")}, {token.Encoded.Length} bytes");
        foreach (var (link, index) in token.Links.Select((l, i) => (l, i)))
        {
            output.WriteLine();
            output.WriteLine($"link {index}");
            output.WriteLine($"  issuer:     {link.IssuerText}");
            output.WriteLine($"  holder:     {link.HolderText ?? "bearer"}");
            output.WriteLine($"  prefix:     {SequenceText.Format(link.Prefix)}");
            output.WriteLine($"  not-before: {Time(link.NotBefore)}");
            output.WriteLine($"  expires:    {Time(link.Expires)}");
            output.WriteLine($"  issued-at:  {Time(link.IssuedAt)}");
            output.WriteLine($"  hash:       {link.HashHex}");
        }
        if (verified && reason is null)
        {
            output.WriteLine();
            output.WriteLine("valid");
        }
    }

    private static void WriteJson(CliConsole console, CapabilityToken token, bool verified, string? reason)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("bytes", token.Encoded.Length);
            json.WriteStartArray("links");
            foreach (var (link, index) in token.Links.Select((l, i) => (l, i)))
            {
                json.WriteStartObject();
                json.WriteNumber("index", index);
                json.WriteString("issuer", link.IssuerText);
                if (link.HolderText is { } holder) json.WriteString("holder", holder);
                else json.WriteNull("holder");
                json.WriteString("prefix", SequenceText.Format(link.Prefix));
                json.WriteString("prefixHex", Convert.ToHexStringLower(link.Prefix));
                json.WriteString("notBefore", Time(link.NotBefore));
                json.WriteString("expires", Time(link.Expires));
                json.WriteString("issuedAt", Time(link.IssuedAt));
                json.WriteString("nonce", Convert.ToHexStringLower(link.Nonce));
                if (link.Parent is { } parent) json.WriteString("parent", Convert.ToHexStringLower(parent));
                else json.WriteNull("parent");
                json.WriteString("hash", link.HashHex);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (verified)
            {
                json.WriteBoolean("valid", reason is null);
                if (reason is null) json.WriteNull("reason");
                else json.WriteString("reason", reason);
            }
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        console.StdOut.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        console.StdOut.Flush();
    }

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string FileProblem(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied (or it is a directory)",
        _ => Output.OneLine.Of(e.Message, 300),
    };
}
