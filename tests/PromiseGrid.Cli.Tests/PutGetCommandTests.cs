using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Tests;

/// <summary>
/// The store module as the contract describes it, in memory: <c>store/put/&lt;bytes&gt;</c> answers the
/// CID as ASCII text, <c>store/get/&lt;cid&gt;</c> the bytes, 404 for an unknown CID, 400 for a malformed
/// one. Tests may make it lie (<see cref="Replace"/>) or slow it (<see cref="PutGate"/>).
/// </summary>
internal sealed class InMemoryStore
{
    private static readonly byte[] Put = "store/put/"u8.ToArray();
    private static readonly byte[] Get = "store/get/"u8.ToArray();
    private int _putsInFlight;
    private int _mostPutsInFlight;

    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new();

    /// <summary>Bytes to answer for a CID instead of its own: a node with a corrupt or lying copy.</summary>
    public ConcurrentDictionary<string, byte[]> Replace { get; } = new();

    /// <summary>When set, each put waits for this before answering (with a generous bound, so a bug fails instead of hanging).</summary>
    public TaskCompletionSource? PutGate { get; set; }

    /// <summary>Opens <see cref="PutGate"/> once this many puts are in flight at once.</summary>
    public int OpenGateAt { get; set; } = int.MaxValue;

    public int MostPutsInFlight => Volatile.Read(ref _mostPutsInFlight);

    public string Add(byte[] bytes)
    {
        var cid = Cid.Of(bytes).ToString();
        Blobs[cid] = bytes;
        return cid;
    }

    public async Task RespondAsync(RecordedRequest request, HttpResponse response)
    {
        var body = request.Body.AsSpan();
        if (body.StartsWith(Put))
        {
            var blob = body[Put.Length..].ToArray();
            var inFlight = Interlocked.Increment(ref _putsInFlight);
            InterlockedMax(ref _mostPutsInFlight, inFlight);
            try
            {
                if (PutGate is { } gate)
                {
                    if (inFlight >= OpenGateAt) gate.TrySetResult();
                    await gate.Task.WaitAsync(TimeSpan.FromSeconds(10));
                }
                var cid = Add(blob);
                await FakeGateway.Bytes(response, Encoding.ASCII.GetBytes(cid), "store@node1");
            }
            finally
            {
                Interlocked.Decrement(ref _putsInFlight);
            }
            return;
        }
        if (body.StartsWith(Get))
        {
            var text = Encoding.ASCII.GetString(body[Get.Length..]);
            if (!Cid.TryParse(text, out _))
            {
                await FakeGateway.Problem(response, 400, "BadRequest", "Bad request", $"'{text}' is not a CID");
                return;
            }
            if (Replace.TryGetValue(text, out var lie)) await FakeGateway.Bytes(response, lie, "store@node1");
            else if (Blobs.TryGetValue(text, out var bytes)) await FakeGateway.Bytes(response, bytes, "store@node1");
            else await FakeGateway.Problem(response, 404, "NoRoute", "No route", $"no replica holds {text}");
            return;
        }
        await FakeGateway.Problem(response, 404, "NoRoute", "No route", "no module serves that prefix");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }
}

public sealed class PutGetCommandTests : IDisposable
{
    private const int BlobLimit = 1024 * 1024 - 1024;
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pgrid-putget-");
    private readonly InMemoryStore _store = new();

    public void Dispose() => _folder.Delete(recursive: true);

    private Task<FakeGateway> StartAsync() => FakeGateway.StartAsync(_store.RespondAsync);

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_small_file_is_one_blob_named_by_the_upstream_CID_of_its_bytes_and_comes_back_unchanged()
    {
        await using var gateway = await StartAsync();
        var path = WriteFile("hello.txt", "hello world\n"u8.ToArray());

        var put = await Cli.RunAsync(["put", path, "--node", gateway.Url]);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4\n", put.StdoutText);
        Assert.Equal("", put.Stderr);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal([.. "store/put/"u8, .. "hello world\n"u8], request.Body);

        var get = await Cli.RunAsync(["get", "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4", "--node", gateway.Url]);

        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Equal("hello world\n"u8.ToArray(), get.Stdout);
        Assert.Equal("", get.Stderr);
    }

    [Fact]
    public async Task A_5_MiB_file_is_stored_as_chunks_and_a_manifest_and_reassembled_by_get()
    {
        await using var gateway = await StartAsync();
        var original = RandomBytes(5 * 1024 * 1024, seed: 5);
        var path = WriteFile("big.bin", original);

        var put = await Cli.RunAsync(["put", path, "--node", gateway.Url]);

        Assert.True(put.ExitCode == 0, put.Stderr);
        var manifestCid = put.StdoutText.TrimEnd('\n');
        // Six chunks of at most 1 MiB − 1 KiB, each its own blob, then the manifest naming them in order.
        var chunkCids = Enumerable.Range(0, 6)
            .Select(i => Cid.Of(original.AsSpan(i * BlobLimit, Math.Min(BlobLimit, original.Length - i * BlobLimit))).ToString())
            .ToList();
        var expectedManifest = "promisegrid-chunks/v1\n5242880\n" + string.Concat(chunkCids.Select(c => c + "\n"));
        Assert.Equal(expectedManifest, Encoding.UTF8.GetString(_store.Blobs[manifestCid]));
        Assert.Equal(Cid.Of(Encoding.UTF8.GetBytes(expectedManifest)).ToString(), manifestCid);
        Assert.Equal(7, _store.Blobs.Count);
        Assert.All(gateway.Requests, r => Assert.True(r.Body.Length <= "store/put/".Length + BlobLimit));

        var get = await Cli.RunAsync(["get", manifestCid, "--node", gateway.Url]);

        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Equal(original, get.Stdout);
    }

    [Fact]
    public async Task Put_dash_reads_standard_input_and_chunks_it_at_chunk_bytes()
    {
        await using var gateway = await StartAsync();
        var original = RandomBytes(10_000, seed: 7);

        var put = await Cli.RunAsync(["put", "-", "--chunk-bytes", "4096", "--node", gateway.Url], stdin: original);

        Assert.True(put.ExitCode == 0, put.Stderr);
        var manifest = Encoding.UTF8.GetString(_store.Blobs[put.StdoutText.TrimEnd('\n')]);
        Assert.Equal(
            ["promisegrid-chunks/v1", "10000",
             Cid.Of(original.AsSpan(0, 4096)).ToString(), Cid.Of(original.AsSpan(4096, 4096)).ToString(), Cid.Of(original.AsSpan(8192)).ToString()],
            manifest.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var get = await Cli.RunAsync(["get", put.StdoutText.Trim(), "--node", gateway.Url]);
        Assert.Equal(original, get.Stdout);
    }

    [Fact]
    public async Task Put_of_empty_standard_input_stores_the_empty_blob()
    {
        await using var gateway = await StartAsync();

        var put = await Cli.RunAsync(["put", "-", "--node", gateway.Url], stdin: []);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n", put.StdoutText);
    }

    [Fact]
    public async Task Get_refuses_bytes_that_do_not_match_the_CID_with_exit_1_and_writes_nothing()
    {
        await using var gateway = await StartAsync();
        var cid = _store.Add("the real bytes"u8.ToArray());
        _store.Replace[cid] = "some other bytes"u8.ToArray();

        var get = await Cli.RunAsync(["get", cid, "--node", gateway.Url]);

        Assert.Equal(1, get.ExitCode);
        Assert.Empty(get.Stdout);
        var line = get.SingleErrorLine();
        Assert.Contains("do not match", line);
        Assert.Contains(cid, line);
    }

    [Fact]
    public async Task Get_of_an_unknown_CID_exits_1_with_the_nodes_reason()
    {
        await using var gateway = await StartAsync();
        var unknown = Cid.Of("never stored"u8).ToString();

        var get = await Cli.RunAsync(["get", unknown, "--node", gateway.Url]);

        Assert.Equal(1, get.ExitCode);
        Assert.Empty(get.Stdout);
        Assert.Equal($"pgrid: no route: no replica holds {unknown} (404)", get.SingleErrorLine());
    }

    [Theory]
    [InlineData("not-a-cid")]
    [InlineData("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei")]
    [InlineData("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")]
    public async Task Get_of_a_malformed_CID_is_a_usage_error_and_sends_nothing(string text)
    {
        await using var gateway = await StartAsync();

        var get = await Cli.RunAsync(["get", text, "--node", gateway.Url]);

        Assert.Equal(2, get.ExitCode);
        Assert.Contains("is not a CID", get.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Out_leaves_no_file_and_keeps_an_existing_one_when_a_chunk_does_not_verify()
    {
        await using var gateway = await StartAsync();
        var original = RandomBytes(10_000, seed: 11);
        var put = await Cli.RunAsync(["put", WriteFile("in.bin", original), "--chunk-bytes", "1000", "--node", gateway.Url]);
        Assert.True(put.ExitCode == 0, put.Stderr);
        var manifest = Encoding.UTF8.GetString(_store.Blobs[put.StdoutText.Trim()]).Split('\n');
        _store.Replace[manifest[2 + 6]] = RandomBytes(1000, seed: 12);   // the 7th of 10 chunks lies
        var target = Path.Combine(_folder.FullName, "out.bin");
        var fresh = Path.Combine(_folder.FullName, "fresh.bin");
        File.WriteAllText(target, "what was there before");

        var overwrite = await Cli.RunAsync(["get", put.StdoutText.Trim(), "--out", target, "--node", gateway.Url]);
        var create = await Cli.RunAsync(["get", put.StdoutText.Trim(), "--out", fresh, "--node", gateway.Url]);

        Assert.Equal(1, overwrite.ExitCode);
        Assert.Contains("chunk 7 of 10", overwrite.SingleErrorLine());
        Assert.Contains("do not match", overwrite.SingleErrorLine());
        Assert.Equal("what was there before", File.ReadAllText(target));
        Assert.Equal(1, create.ExitCode);
        Assert.False(File.Exists(fresh));
        Assert.Equal(["in.bin", "out.bin"], _folder.GetFiles().Select(f => f.Name).Order());
    }

    [Fact]
    public async Task Out_writes_the_reassembled_file()
    {
        await using var gateway = await StartAsync();
        var original = RandomBytes(3_000, seed: 13);
        var put = await Cli.RunAsync(["put", WriteFile("in.bin", original), "--chunk-bytes", "1000", "--node", gateway.Url]);
        var target = Path.Combine(_folder.FullName, "out.bin");

        var get = await Cli.RunAsync(["get", put.StdoutText.Trim(), "--out", target, "--node", gateway.Url]);

        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Empty(get.Stdout);
        Assert.Equal(original, File.ReadAllBytes(target));
        Assert.Equal(["in.bin", "out.bin"], _folder.GetFiles().Select(f => f.Name).Order());
    }

    [Fact]
    public async Task A_manifest_whose_chunks_do_not_add_up_to_its_size_is_refused()
    {
        await using var gateway = await StartAsync();
        var one = _store.Add("0123456789"u8.ToArray());
        var two = _store.Add("abcdef"u8.ToArray());
        var manifest = _store.Add(Encoding.UTF8.GetBytes($"promisegrid-chunks/v1\n17\n{one}\n{two}\n"));

        var get = await Cli.RunAsync(["get", manifest, "--node", gateway.Url]);

        Assert.Equal(1, get.ExitCode);
        Assert.Contains("16 bytes, not the 17 the manifest states", get.SingleErrorLine());
    }

    [Fact]
    public async Task Raw_writes_a_manifest_as_stored_and_a_blob_that_only_looks_like_one_comes_back_as_is()
    {
        await using var gateway = await StartAsync();
        var one = _store.Add("0123456789"u8.ToArray());
        var manifestBytes = Encoding.UTF8.GetBytes($"promisegrid-chunks/v1\n10\n{one}\n");
        var manifest = _store.Add(manifestBytes);
        var lookalikeBytes = Encoding.UTF8.GetBytes("promisegrid-chunks/v1\nthis is just a text file\n");
        var lookalike = _store.Add(lookalikeBytes);

        var raw = await Cli.RunAsync(["get", manifest, "--raw", "--node", gateway.Url]);
        var followed = await Cli.RunAsync(["get", manifest, "--node", gateway.Url]);
        var plain = await Cli.RunAsync(["get", lookalike, "--node", gateway.Url]);

        Assert.Equal(manifestBytes, raw.Stdout);
        Assert.Equal("0123456789"u8.ToArray(), followed.Stdout);
        Assert.Equal(lookalikeBytes, plain.Stdout);
    }

    [Fact]
    public async Task Put_refuses_a_node_that_answers_another_CID_than_the_bytes_have()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Bytes(response, Encoding.ASCII.GetBytes(Cid.Of("other"u8).ToString())));
        var path = WriteFile("x.txt", "mine"u8.ToArray());

        var put = await Cli.RunAsync(["put", path, "--node", gateway.Url]);

        Assert.Equal(1, put.ExitCode);
        Assert.Empty(put.Stdout);
        Assert.Contains($"for bytes whose CID is {Cid.Of("mine"u8)}", put.SingleErrorLine());
    }

    [Fact]
    public async Task A_failing_chunk_fails_the_put_with_the_nodes_reason_and_prints_no_CID()
    {
        await using var gateway = await FakeGateway.StartAsync((_, response) =>
            FakeGateway.Problem(response, 413, "TooLarge", "Too large", "blob of 2000 bytes is over max-blob-bytes 1000"));
        var path = WriteFile("x.bin", RandomBytes(5000, seed: 3));

        var put = await Cli.RunAsync(["put", path, "--chunk-bytes", "2000", "--node", gateway.Url]);

        Assert.Equal(1, put.ExitCode);
        Assert.Empty(put.Stdout);
        Assert.Matches(@"^pgrid: chunk \d: too large: blob of 2000 bytes is over max-blob-bytes 1000 \(413\)$", put.SingleErrorLine());
    }

    [Fact]
    public async Task Parallel_bounds_the_chunks_in_flight_and_uses_all_of_them()
    {
        await using var gateway = await StartAsync();
        _store.PutGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.OpenGateAt = 3;
        var path = WriteFile("x.bin", RandomBytes(12_000, seed: 4));

        var put = await Cli.RunAsync(["put", path, "--chunk-bytes", "1000", "--parallel", "3", "--node", gateway.Url]);

        Assert.True(put.ExitCode == 0, put.Stderr);
        // The gate holds the first puts until three are in flight: fewer would stall for 10 s and fail.
        Assert.True(_store.PutGate.Task.IsCompletedSuccessfully, "three puts were in flight at once");
        Assert.Equal(3, _store.MostPutsInFlight);
    }

    [Fact]
    public async Task Token_is_presented_with_every_request()
    {
        await using var gateway = await StartAsync();
        var put = await Cli.RunAsync(["put", WriteFile("x.bin", RandomBytes(2500, seed: 9)), "--chunk-bytes", "1000", "--token", "abc_-123", "--node", gateway.Url]);

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal(4, gateway.Requests.Count);
        Assert.All(gateway.Requests, r => Assert.Equal("Grid abc_-123", r.Header("Authorization")));
    }

    [Fact]
    public async Task Put_dash_with_token_dash_is_a_usage_error_as_both_would_read_standard_input()
    {
        await using var gateway = await StartAsync();

        var put = await Cli.RunAsync(["put", "-", "--token", "-", "--node", gateway.Url], stdin: "abc"u8.ToArray());

        Assert.Equal(2, put.ExitCode);
        Assert.Contains("both read standard input", put.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Progress_goes_to_stderr_only_with_progress_and_never_with_quiet()
    {
        await using var gateway = await StartAsync();
        var path = WriteFile("big.bin", RandomBytes(5 * 1024 * 1024, seed: 6));

        var silent = await Cli.RunAsync(["put", path, "--node", gateway.Url]);
        var shown = await Cli.RunAsync(["put", path, "--progress", "--node", gateway.Url]);
        var quiet = await Cli.RunAsync(["put", path, "--progress", "--quiet", "--node", gateway.Url]);
        var cid = shown.StdoutText.Trim();
        var getSilent = await Cli.RunAsync(["get", cid, "--node", gateway.Url]);
        var getShown = await Cli.RunAsync(["get", cid, "--progress", "--node", gateway.Url]);

        Assert.Equal("", silent.Stderr);
        Assert.Equal("", quiet.Stderr);
        Assert.Equal("", getSilent.Stderr);
        // One line, redrawn with \r, ending with the totals and a newline; stdout carries only the CID.
        Assert.StartsWith("\rput ", shown.Stderr);
        Assert.EndsWith("\n", shown.Stderr);
        Assert.Single(shown.StderrLines);
        Assert.Matches(@"put 5\.2 / 5\.2 MB  100%  [0-9.]+ MB/s *\n$", shown.Stderr);
        Assert.Equal(silent.StdoutText, shown.StdoutText);
        Assert.Matches(@"^\rget .*get 5\.2 / 5\.2 MB  100%  [0-9.]+ MB/s *\n$", getShown.Stderr);
        Assert.Equal(getSilent.Stdout, getShown.Stdout);
    }

    [Fact]
    public async Task Put_of_a_missing_file_is_a_usage_error()
    {
        await using var gateway = await StartAsync();

        var put = await Cli.RunAsync(["put", Path.Combine(_folder.FullName, "nope"), "--node", gateway.Url]);

        Assert.Equal(2, put.ExitCode);
        Assert.Contains("no such file", put.SingleErrorLine());
        Assert.Empty(gateway.Requests);
    }
}
