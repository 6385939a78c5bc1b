using System.CommandLine;
using PromiseGrid.Cli.Store;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// <c>pgrid get &lt;cid&gt; [--out FILE]</c>: fetch a blob from the grid's store, verify it against
/// its CID here, and write it raw. A blob that is a <see cref="ChunkManifest"/> (what <c>pgrid put</c>
/// stores for a large file) is followed: its chunks are fetched, each verified, and written in order,
/// and the total size is checked. With <c>--out</c> the file appears only once all of it is verified;
/// standard output, which cannot be taken back, may have received the chunks before a failing one.
/// </summary>
public static class GetCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var cidArgument = new Argument<string>("cid")
        {
            Description = "The CID to fetch (CIDv1, raw, sha2-256, base32: bafkrei...), as pgrid put printed it",
        };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Write to this file instead of standard output: written to a temporary file beside it and renamed "
                          + "into place once every byte is verified, so a failure leaves no file behind",
            HelpName = "file",
        };
        var raw = new Option<bool>("--raw")
        {
            Description = "Write the blob as stored, without following it when it is a chunk manifest",
        };
        var options = new TransferOptions();

        var command = new Command("get",
            "Fetch the bytes a CID names and write them raw (standard output unless --out). Every blob is hashed here and refused "
            + "if it does not match its CID. A chunk manifest, as pgrid put stores large files, is followed and the file reassembled.")
        {
            cidArgument, output, raw,
        };
        options.AddTo(command);

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var node = global.GetNode(parseResult);
            var text = parseResult.GetValue(cidArgument)!.Trim();
            Cid cid;
            try
            {
                cid = Cid.Parse(text);
            }
            catch (CidFormatException e)
            {
                // Its message quotes the text and names the fault ("... is not a CID: ...").
                throw new UsageException(e.Message, e);
            }
            var outPath = parseResult.GetValue(output);
            if (outPath is not null) CheckWritable(outPath);
            var settings = await options.ReadAsync(parseResult, console, ct).ConfigureAwait(false);

            using var store = settings.Connect(node);
            var blob = await store.GetAsync(cid, ct).ConfigureAwait(false);
            ChunkManifest? manifest = null;
            if (!parseResult.GetValue(raw)) ChunkManifest.TryParse(blob, out manifest);

            var progress = TransferProgress.ShouldShow(console, settings.Progress, settings.Quiet, large: manifest is not null)
                ? new TransferProgress(console.Error, "get", manifest?.TotalBytes ?? blob.Length)
                : TransferProgress.Off;
            try
            {
                if (outPath is null)
                {
                    await WriteAsync(console.StdOut, store, blob, manifest, settings.Parallel, progress, ct).ConfigureAwait(false);
                }
                else
                {
                    await WriteFileAsync(outPath, store, blob, manifest, settings.Parallel, progress, ct).ConfigureAwait(false);
                }
                progress.Finish();
                return ExitCodes.Ok;
            }
            catch
            {
                progress.Abandon();
                throw;
            }
        }, cancellationToken));
        return command;
    }

    /// <summary>Writes the file to <paramref name="path"/> through a temporary file, renamed only after everything was verified.</summary>
    private static async Task WriteFileAsync(string path, StoreClient store, byte[] blob, ChunkManifest? manifest, int parallel, TransferProgress progress, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.pgrid-{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous))
            {
                await WriteAsync(file, store, blob, manifest, parallel, progress, ct).ConfigureAwait(false);
                // On disk before it gets its name: a crash right after the rename must not leave a short file.
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// The blob itself, or for a manifest its chunks in order: up to <paramref name="parallel"/> fetched
    /// ahead, each verified by <see cref="StoreClient.GetAsync"/> before any of it is written.
    /// </summary>
    private static async Task WriteAsync(Stream output, StoreClient store, byte[] blob, ChunkManifest? manifest, int parallel, TransferProgress progress, CancellationToken ct)
    {
        if (manifest is null)
        {
            await output.WriteAsync(blob, ct).ConfigureAwait(false);
            await output.FlushAsync(ct).ConfigureAwait(false);
            progress.Add(blob.Length);
            return;
        }

        var count = manifest.Chunks.Count;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var ahead = new Queue<Task<byte[]>>(parallel);
        var requested = 0;
        long written = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                while (requested < count && ahead.Count < parallel)
                {
                    ahead.Enqueue(FetchChunkAsync(store, manifest, requested, stop.Token));
                    requested++;
                }
                var chunk = await ahead.Dequeue().ConfigureAwait(false);
                written += chunk.Length;
                if (written > manifest.TotalBytes)
                    throw new CliException($"the chunks hold more than the {manifest.TotalBytes} bytes the manifest states; refused", ExitCodes.GridError);
                await output.WriteAsync(chunk, ct).ConfigureAwait(false);
                progress.Add(chunk.Length);
            }
            if (written != manifest.TotalBytes)
                throw new CliException($"the {count} chunks hold {written} bytes, not the {manifest.TotalBytes} the manifest states; refused", ExitCodes.GridError);
            await output.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            // Fetches still running after a failure: stop them and let them end before the client goes away.
            if (ahead.Count > 0)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(ahead).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    private static async Task<byte[]> FetchChunkAsync(StoreClient store, ChunkManifest manifest, int index, CancellationToken ct)
    {
        var cid = manifest.Chunks[index];
        try
        {
            return await store.GetAsync(cid, ct).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            throw new CliException($"chunk {index + 1} of {manifest.Chunks.Count} ({cid}): {e.Message}", e.ExitCode, e);
        }
    }

    /// <summary>Refuses, before anything is fetched, an --out that cannot become a file.</summary>
    private static void CheckWritable(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"--out '{path}': {Output.OneLine.Of(e.Message, 200)}", e);
        }
        if (Directory.Exists(full)) throw new UsageException($"--out '{path}' is a directory: name a file");
        var folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder)) throw new UsageException($"--out '{path}': no such folder '{folder}'");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is what the user needs to see; a leftover temp file is named with .pgrid-.
        }
    }
}
