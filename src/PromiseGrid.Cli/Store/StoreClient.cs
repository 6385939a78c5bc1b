using System.Buffers.Text;
using System.Text;
using PromiseGrid.Cli.Gateway;
using PromiseGrid.Cli.Output;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Store;

/// <summary>
/// The store module (<c>store/put/</c>, <c>store/get/</c>) through one node's gateway, for
/// <c>pgrid put</c> and <c>pgrid get</c>. Nothing the node answers is taken on trust: a put must
/// answer the CID this side computes for the bytes it sent, and the bytes a get returns must hash
/// to the CID asked for. Safe to use from several tasks at once (one HTTP connection each).
/// </summary>
public sealed class StoreClient : IDisposable
{
    /// <summary>The prefix that stores a blob: <c>store/put/&lt;bytes&gt;</c> completes with its CID.</summary>
    public static readonly Sequence PutPrefix = Sequence.FromText("store/put/");

    /// <summary>The prefix that reads a blob: <c>store/get/&lt;cid&gt;</c> completes with its bytes.</summary>
    public static readonly Sequence GetPrefix = Sequence.FromText("store/get/");

    private readonly GatewayClient _gateway;
    private readonly int? _deadlineMs;
    private readonly string? _token;
    private readonly GridKey? _holder;

    /// <param name="token">The capability token's text, presented with every request; null for none.</param>
    /// <param name="holder">The holder's private key when <paramref name="token"/> is holder-bound: each request then
    /// carries a fresh proof over its own sequence. Disposed with this client.</param>
    public StoreClient(GatewayTarget node, int? deadlineMs, string? token, GridKey? holder)
    {
        _gateway = new GatewayClient(node, deadlineMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
        _deadlineMs = deadlineMs;
        _token = token;
        _holder = holder;
    }

    /// <summary>The node as the user wrote it, for messages.</summary>
    public string NodeDisplay => _gateway.NodeDisplay;

    /// <summary>
    /// Stores <paramref name="blob"/> and returns its CID, after checking that the node answered
    /// exactly the CID of these bytes.
    /// </summary>
    public async Task<Cid> PutAsync(ReadOnlyMemory<byte> blob, CancellationToken cancellationToken)
    {
        var expected = Cid.Of(blob.Span);
        var completion = await CompleteAsync(PutPrefix.Concat(new Sequence(blob)), cancellationToken).ConfigureAwait(false);
        // The contract is the CID as ASCII text; a trailing newline from a friendlier node is tolerated.
        var answer = Encoding.ASCII.GetString(completion.Bytes).TrimEnd('\n', '\r');
        if (!Cid.TryParse(answer, out var answered))
            throw new GatewayException($"node {NodeDisplay} answered a put with '{OneLine.Of(answer, 100)}', which is not a CID", 200);
        if (answered.ToString() != expected.ToString())
            throw new GatewayException($"node {NodeDisplay} answered CID {answered} for bytes whose CID is {expected}", 200);
        return expected;
    }

    /// <summary>
    /// The bytes of <paramref name="cid"/>, hashed here: bytes that do not match the CID are refused
    /// (exit 1), whatever the node says about them.
    /// </summary>
    public async Task<byte[]> GetAsync(Cid cid, CancellationToken cancellationToken)
    {
        var completion = await CompleteAsync(GetPrefix.Concat(Sequence.FromUtf8(cid.ToString())), cancellationToken).ConfigureAwait(false);
        var bytes = completion.Bytes;
        if (!cid.Matches(bytes))
            throw new GatewayException(
                $"node {NodeDisplay} returned {bytes.Length} bytes for {cid} that do not match it (their CID is {Cid.Of(bytes)}); refused", 200);
        return bytes;
    }

    private Task<CompletionResult> CompleteAsync(Sequence sequence, CancellationToken cancellationToken) =>
        _gateway.CompleteAsync(sequence, _deadlineMs, cancellationToken, Authorization(sequence));

    /// <summary>As <c>pgrid complete --token --key</c> sends it: <c>Grid &lt;token&gt;[.&lt;proof&gt;]</c>.</summary>
    private string? Authorization(Sequence sequence)
    {
        if (_token is null) return null;
        if (_holder is null) return $"Grid {_token}";
        byte[] proof;
        // Chunks go out from several tasks; one key object is not promised to sign on several threads at once.
        lock (_holder) proof = HolderProof.Create(_holder, sequence.Span, DateTimeOffset.UtcNow);
        return $"Grid {_token}.{Base64Url.EncodeToString(proof)}";
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _holder?.Dispose();
    }
}
