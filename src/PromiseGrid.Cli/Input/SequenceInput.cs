using PromiseGrid.Core;

namespace PromiseGrid.Cli.Input;

/// <summary>
/// Where <c>pgrid complete</c> gets its sequence: notation argument, <c>--hex</c>, <c>--file</c> or
/// <c>--stdin</c>. Exactly one must be given; guessing a precedence would silently send the wrong bytes.
/// Everything here runs before any request, so a bad input never reaches the node.
/// </summary>
public sealed record SequenceInput(string? Notation, string? Hex, string? FilePath, bool Stdin)
{
    public async Task<Sequence> ReadAsync(Stream stdin, CancellationToken cancellationToken)
    {
        var given = new List<string>(4);
        if (Notation is not null) given.Add("<sequence>");
        if (Hex is not null) given.Add("--hex");
        if (FilePath is not null) given.Add("--file");
        if (Stdin) given.Add("--stdin");

        if (given.Count == 0)
            throw new UsageException("no sequence given: pass <sequence> in notation, or one of --hex, --file, --stdin");
        if (given.Count > 1)
            throw new UsageException($"give exactly one sequence source, got {string.Join(" and ", given)}");

        if (Notation is not null)
        {
            // The exception's message already reads "bad sequence notation at position N: why".
            if (!SequenceText.TryParse(Notation, out var sequence, out var error))
                throw new UsageException(error!.Message, error);
            return sequence;
        }
        if (Hex is not null) return new Sequence(Input.Hex.Parse(Hex));
        if (FilePath is not null) return new Sequence(await LocalFile.ReadAllBytesAsync(FilePath, cancellationToken).ConfigureAwait(false));

        using var buffer = new MemoryStream();
        await stdin.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return new Sequence(buffer.ToArray());
    }
}
