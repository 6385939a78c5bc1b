using System.CommandLine;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// <c>pgrid key</c>: make and read the ES256 keys that issue, hold and verify capability tokens.
/// Offline: no node is involved.
/// </summary>
public static class KeyCommand
{
    public static Command Create(CliConsole console) =>
        new("key", "Make and read ES256 (ECDSA P-256) keys for capability tokens. Offline: no node is needed.")
        {
            New(console),
            Public(console),
        };

    private static Command New(CliConsole console)
    {
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Write the private key (PKCS#8 PEM, mode 0600) to this file and print the public key text on "
                          + "standard output; without it the PEM goes to standard output",
            HelpName = "file",
        };
        var force = new Option<bool>("--force")
        {
            Description = "Replace the --out file if it exists",
        };
        var command = new Command("new",
            "Make a new key. Its public key text (base64url of the P-256 point) is what PG_TRUST and --holder take.")
        {
            output, force,
        };

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            using var key = GridKey.Generate();
            var pem = key.ToPrivatePem() + "\n";
            var path = parseResult.GetValue(output);
            if (path is null)
            {
                await console.Out.WriteAsync(pem.AsMemory(), ct).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            WritePrivateFile(path, pem, parseResult.GetValue(force));
            await console.Error.WriteLineAsync($"public key: {key.PublicKeyText}").ConfigureAwait(false);
            await console.Out.WriteLineAsync(key.PublicKeyText.AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command Public(CliConsole console)
    {
        var key = new Argument<string>("key")
        {
            Description = "A private or public key PEM file (or a key text)",
        };
        var command = new Command("public", "Print the public key text of a key file: what to give others for PG_TRUST or --holder.")
        {
            key,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            using var loaded = TokenCommand.LoadKey(parseResult.GetValue(key)!, "key", requirePrivate: false);
            await console.Out.WriteLineAsync(loaded.PublicKeyText.AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// Creates the file with mode 0600 from the start, so the key is never readable by others,
    /// not even for a moment; an existing file is kept unless <paramref name="force"/>.
    /// </summary>
    private static void WritePrivateFile(string path, string pem, bool force)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            if (!force || Directory.Exists(path))
                throw new UsageException($"'{path}' already exists; pass --force to replace it");
            // Deleted rather than truncated: truncating would keep the old file's permissions.
            File.Delete(path);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        FileStream stream;
        try
        {
            stream = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new UsageException($"'{path}' already exists; pass --force to replace it");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create '{path}': {Why(e)}", ExitCodes.GridError, e);
        }
        try
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            writer.Write(pem);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot write '{path}': {Why(e)}", ExitCodes.GridError, e);
        }
        finally
        {
            stream.Dispose();
        }
    }

    private static string Why(Exception e) => e switch
    {
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException => "permission denied",
        _ => Output.OneLine.Of(e.Message, 300),
    };
}
