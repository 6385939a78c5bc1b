namespace PromiseGrid.Core.Content;

/// <summary>
/// Text that is not a CID this grid serves. <see cref="Exception.Message"/> is one line for the
/// requester (the 400's detail, the CLI's error line) that quotes the text and names the fault,
/// e.g. <c>'bxyz' is not a CID: 3 base32 characters do not make whole bytes</c> or
/// <c>'bafybei...' is not a CID this grid serves: CID codec 0x70 (dag-pb) is not raw (0x55)</c>.
/// </summary>
public sealed class CidFormatException : FormatException
{
    internal CidFormatException(string shown, string reason, bool unsupported)
        : base(unsupported ? $"'{shown}' is not a CID this grid serves: {reason}" : $"'{shown}' is not a CID: {reason}")
    {
        Reason = reason;
        IsUnsupported = unsupported;
    }

    /// <summary>The fault alone, without the quoted text.</summary>
    public string Reason { get; }

    /// <summary>
    /// True when the text is a well-formed CIDv1 whose version, codec or hash this grid does not
    /// use (say a dag-pb or sha2-512 CID); false when it is not a CID at all.
    /// </summary>
    public bool IsUnsupported { get; }
}
