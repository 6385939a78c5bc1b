using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Input;
using PromiseGrid.Cli.Store;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Commands;

/// <summary>
/// <c>pgrid put &lt;file|-&gt;</c>: store a file in the grid's store module and print its CID.
/// A file that fits in one blob is stored as it is, so its CID is the plain CID of its bytes (as
/// upstream PromiseGrid computes it). A larger file is cut into chunks, each stored as a blob, and a
/// <see cref="ChunkManifest"/> listing them is stored last; the CID printed is the manifest's, and
/// <c>pgrid get</c> reassembles the file from it.
/// </summary>
public static class PutCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var source = new Argument<string>("file")
        {
            Description = "The file to store, or - for standard input",
        };
        var options = new TransferOptions();
        var chunkBytes = new Option<int>("--chunk-bytes")
        {
            Description = "Largest chunk, in bytes, a file is cut into when it does not fit in one blob; the default is the store's "
                          + "limit on a blob, 1 MiB − 1 KiB",
            HelpName = "bytes",
            DefaultValueFactory = _ => ChunkManifest.DefaultMaxBlobBytes,
            CustomParser = result => TransferOptions.PositiveInt(result, "--chunk-bytes", ChunkManifest.DefaultMaxBlobBytes),
        };

        var command = new Command("put",
            "Store a file and print its CID (CIDv1, raw, sha2-256, base32). A file of up to --chunk-bytes is one blob, "
            + "named by the CID of its bytes. A larger one is stored as chunks plus a manifest blob "
            + "('" + ChunkManifest.Header + "', the total size, then one chunk CID per line), and the manifest's CID is printed. "
            + "Every CID the node answers is checked against the bytes sent.")
        {
            source, chunkBytes,
        };
        options.AddTo(command);

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var node = global.GetNode(parseResult);
            var path = parseResult.GetValue(source)!;
            var blobBytes = parseResult.GetValue(chunkBytes);
            if (path == "-" && options.TokenFromStdin(parseResult))
                throw new UsageException("--token - and put - both read standard input: put the token in a file (--token @FILE)");
            var settings = await options.ReadAsync(parseResult, console, ct).ConfigureAwait(false);

            await using var input = path == "-" ? null : LocalFile.OpenSequential(path);
            var stream = input ?? console.In;
            long? total = stream.CanSeek ? stream.Length - stream.Position : null;
            if (total is { } size && size > blobBytes)
            {
                var chunks = (size + blobBytes - 1) / blobBytes;
                var most = ChunkManifest.MaxChunks(ChunkManifest.DefaultMaxBlobBytes, size);
                if (chunks > most)
                    throw new UsageException($"'{path}' would need {chunks} chunks of {blobBytes} bytes; one manifest lists at most {most}: raise --chunk-bytes");
            }

            using var store = settings.Connect(node);
            var progress = TransferProgress.ShouldShow(console, settings.Progress, settings.Quiet, large: total is null || total > blobBytes)
                ? new TransferProgress(console.Error, "put", total)
                : TransferProgress.Off;
            try
            {
                var cid = await PutAsync(store, stream, blobBytes, settings.Parallel, progress, ct).ConfigureAwait(false);
                progress.Finish();
                await console.Out.WriteLineAsync(cid.ToString().AsMemory(), ct).ConfigureAwait(false);
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

    /// <summary>
    /// Stores everything <paramref name="input"/> holds. Up to <paramref name="parallel"/> chunks are in
    /// flight at once, so memory stays at a few chunks whatever the file's size; the first chunk that
    /// fails stops the rest.
    /// </summary>
    private static async Task<Cid> PutAsync(StoreClient store, Stream input, int blobBytes, int parallel, TransferProgress progress, CancellationToken ct)
    {
        // One block beyond the first tells a one-blob file from a chunked one, even on a pipe.
        var block = await ReadBlockAsync(input, blobBytes, ct).ConfigureAwait(false);
        var next = block.Length < blobBytes ? [] : await ReadBlockAsync(input, blobBytes, ct).ConfigureAwait(false);
        if (next.Length == 0)
        {
            var cid = await store.PutAsync(block, ct).ConfigureAwait(false);
            progress.Add(block.Length);
            return cid;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(parallel);
        var puts = new List<Task<Cid>>();
        long total = 0;
        try
        {
            while (block.Length > 0)
            {
                var most = ChunkManifest.MaxChunks(ChunkManifest.DefaultMaxBlobBytes, total + block.Length);
                if (puts.Count + 1 > most)
                    throw new CliException($"the input needs more than {most} chunks of {blobBytes} bytes, more than one manifest lists: raise --chunk-bytes", ExitCodes.GridError);
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                puts.Add(PutChunkAsync(store, puts.Count + 1, block, slots, progress, stop));
                total += block.Length;
                block = next.Length > 0 ? next : await ReadBlockAsync(input, blobBytes, stop.Token).ConfigureAwait(false);
                next = [];
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // A chunk failed and cancelled the rest; its own error is reported below.
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(puts).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        await Task.WhenAll(puts).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (puts.FirstOrDefault(p => p.IsFaulted) is { } failed)
            ExceptionDispatchInfo.Throw(failed.Exception!.InnerException!);
        ct.ThrowIfCancellationRequested();

        var manifest = new ChunkManifest(total, puts.Select(p => p.Result).ToList());
        return await store.PutAsync(manifest.ToBytes(), ct).ConfigureAwait(false);
    }

    private static async Task<Cid> PutChunkAsync(StoreClient store, int number, byte[] chunk, SemaphoreSlim slots, TransferProgress progress, CancellationTokenSource stop)
    {
        try
        {
            var cid = await store.PutAsync(chunk, stop.Token).ConfigureAwait(false);
            progress.Add(chunk.Length);
            return cid;
        }
        catch (CliException e)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw new CliException($"chunk {number}: {e.Message}", e.ExitCode, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Up to <paramref name="size"/> bytes: fewer only at the end of the input.</summary>
    private static async Task<byte[]> ReadBlockAsync(Stream input, int size, CancellationToken ct)
    {
        var buffer = new byte[size];
        var filled = await input.ReadAtLeastAsync(buffer, size, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        return filled == size ? buffer : buffer[..filled];
    }
}
