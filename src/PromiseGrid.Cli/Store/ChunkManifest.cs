using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using PromiseGrid.Core.Content;

namespace PromiseGrid.Cli.Store;

/// <summary>
/// How <c>pgrid put</c> stores a file too large for one blob: the file is cut into chunks, each
/// stored as a blob of its own, and a small manifest blob lists them in order. The CID of the
/// manifest names the whole file. The manifest is UTF-8 text:
/// <code>
/// promisegrid-chunks/v1
/// &lt;total size in bytes, decimal&gt;
/// &lt;CID of chunk 1&gt;
/// &lt;CID of chunk 2&gt;
/// ...
/// </code>
/// with every line, the last one included, ended by <c>\n</c>. Plain text so that
/// <c>pgrid get --raw</c> shows a person what a file is made of, and so any tool can follow it.
/// </summary>
/// <remarks>
/// A manifest is itself an ordinary blob: the store does not know it is one. <c>pgrid get</c>
/// follows a blob as a manifest only when the whole blob parses as one (header, size, at least
/// one CID, nothing else), so a file that merely starts with the header text comes back as is.
/// </remarks>
public sealed class ChunkManifest
{
    /// <summary>The first line: names the format and its version.</summary>
    public const string Header = "promisegrid-chunks/v1";

    /// <summary>
    /// The store's default limit on one blob (1 MiB − 1 KiB: <c>store/put/</c> plus the blob fits the
    /// grid's 1 MiB sequence limit). <c>pgrid put</c> cuts chunks of this size unless told otherwise,
    /// and a manifest must fit in one blob too.
    /// </summary>
    public const int DefaultMaxBlobBytes = 1024 * 1024 - 1024;

    private static readonly byte[] HeaderLine = Encoding.ASCII.GetBytes(Header + "\n");

    /// <summary>Characters of one CID in text: every chunk line has this many plus '\n'.</summary>
    private const int CidChars = Cid.TextLength;

    public ChunkManifest(long totalBytes, IReadOnlyList<Cid> chunks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalBytes);
        if (chunks.Count == 0) throw new ArgumentException("a manifest lists at least one chunk", nameof(chunks));
        TotalBytes = totalBytes;
        Chunks = chunks;
    }

    /// <summary>The size of the whole file: the sum of the chunks' sizes.</summary>
    public long TotalBytes { get; }

    /// <summary>The chunks' CIDs, in file order.</summary>
    public IReadOnlyList<Cid> Chunks { get; }

    /// <summary>The manifest's bytes, as stored.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder(SizeOf(Chunks.Count, TotalBytes));
        text.Append(Header).Append('\n');
        text.Append(TotalBytes.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var chunk in Chunks) text.Append(chunk.ToString()).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>Bytes of a manifest listing <paramref name="chunkCount"/> chunks of a file of <paramref name="totalBytes"/>.</summary>
    public static int SizeOf(int chunkCount, long totalBytes) =>
        HeaderLine.Length + totalBytes.ToString(CultureInfo.InvariantCulture).Length + 1 + chunkCount * (CidChars + 1);

    /// <summary>
    /// The most chunks one manifest can list when it must fit in <paramref name="maxBlobBytes"/>
    /// (about 17,000 with the defaults, i.e. files up to about 17 GiB).
    /// </summary>
    public static long MaxChunks(int maxBlobBytes, long totalBytes) =>
        Math.Max(0, (maxBlobBytes - SizeOf(0, totalBytes)) / (CidChars + 1));

    /// <summary>
    /// Reads <paramref name="bytes"/> as a manifest. False (and no exception) for anything that is not
    /// exactly one: a blob that is just data.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ChunkManifest? manifest)
    {
        manifest = null;
        if (!bytes.StartsWith(HeaderLine) || bytes[^1] != (byte)'\n') return false;
        var rest = bytes[HeaderLine.Length..];

        var end = rest.IndexOf((byte)'\n');
        if (end <= 0 || end > 19 || !long.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var total))
            return false;
        rest = rest[(end + 1)..];

        var chunks = new List<Cid>(rest.Length / (CidChars + 1));
        while (!rest.IsEmpty)
        {
            end = rest.IndexOf((byte)'\n');
            if (end != CidChars) return false;
            if (!Cid.TryParse(Encoding.ASCII.GetString(rest[..end]), out var chunk)) return false;
            chunks.Add(chunk);
            rest = rest[(end + 1)..];
        }
        if (chunks.Count == 0) return false;
        manifest = new ChunkManifest(total, chunks);
        return true;
    }
}
