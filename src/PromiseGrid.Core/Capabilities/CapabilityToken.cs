using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using PromiseGrid.Core.Capabilities.Internal;

namespace PromiseGrid.Core.Capabilities;

/// <summary>
/// A capability: a chain of signed links, each a promise by its issuer that sequences under its
/// prefix will be completed for its holder. The root link is signed by a key the node trusts; each
/// further link is signed by the previous link's holder and may only narrow what it was given.
/// </summary>
/// <remarks>
/// <para><b>Wire format</b> (standard encodings only: COSE RFC 9052, CWT RFC 8392, CBOR RFC 8949).</para>
/// <list type="bullet">
/// <item>Keys are ES256 (ECDSA P-256, SHA-256). A public key is the 65-byte SEC1 uncompressed point
/// <c>0x04||X||Y</c>; as text, base64url without padding (87 characters). See <see cref="GridKey"/>.</item>
/// <item>A token is a definite-length CBOR array of 1 to 8 links, root first. Its text form is
/// base64url without padding of those CBOR bytes.</item>
/// <item>A link is a tagged COSE_Sign1 (CBOR tag 18): protected header exactly <c>{1: -7}</c> (alg
/// ES256), an empty unprotected header, an embedded payload, and a 64-byte r||s signature over
/// the standard Sig_structure. The signature's s must be in the lower half of the curve order
/// (low-S), and the framing must be in canonical CBOR, so every link has exactly one encoding.</item>
/// <item>The payload is a CWT claims map:
/// <c>1 iss</c>: tstr, base64url of the issuer's public key (the key that signed this link);
/// <c>3 aud</c>: tstr, base64url of the holder's public key, absent for a bearer link;
/// <c>4 exp</c>, <c>5 nbf</c>, <c>6 iat</c>: int, seconds since the Unix epoch;
/// <c>7 cti</c>: bstr, 16 random bytes (the link's nonce);
/// <c>-65537</c> (prefix): bstr, the byte prefix this link covers (at most 1024 bytes);
/// <c>-65538</c> (parent): bstr, SHA-256 of the parent link's encoded COSE_Sign1, absent in the root.
/// Every claim but aud is required and no other claim is accepted.</item>
/// <item>A link's hash is SHA-256 of its encoded COSE_Sign1 bytes, exactly as they stand in the
/// array. Revocation names a link by this hash (lower-case hex in text).</item>
/// </list>
/// <para><b>Verification</b>, all of it independent of the clock so its result can be cached (the
/// time window is a property of <see cref="VerifiedCapability"/>). First, with no signature work:
/// size at most 8192 bytes, 1 to 8 links, well-formed CBOR/COSE, ES256, claims present and typed,
/// prefix at most 1024 bytes, nbf before exp, keys on P-256. Then, link by link: the root's issuer
/// is trusted; link i &gt; 0 names link i-1's hash as its parent, link i-1 has a holder and it is
/// link i's issuer, link i's prefix starts with link i-1's, link i expires no later than link i-1;
/// and the link's signature verifies with its issuer key (one ECDSA verification per link).</para>
/// </remarks>
public sealed class CapabilityToken
{
    private readonly CapabilityLink[] _links;

    private CapabilityToken(CapabilityLink[] links, byte[] encoded)
    {
        _links = links;
        Encoded = encoded;
    }

    /// <summary>The links, root first.</summary>
    public IReadOnlyList<CapabilityLink> Links => _links;

    /// <summary>The last link: the one whose prefix, holder and expiry the presenter uses.</summary>
    public CapabilityLink Leaf => _links[^1];

    /// <summary>The token's CBOR bytes; the caller must not change the array.</summary>
    public byte[] Encoded { get; }

    /// <summary>base64url without padding of <see cref="Encoded"/>, e.g. for <c>Authorization: Grid ...</c>.</summary>
    public string ToText() => Base64Url.EncodeToString(Encoded);

    public override string ToString() => ToText();

    /// <summary>
    /// Reads a token's structure and checks every limit and type, without any signature work.
    /// </summary>
    /// <exception cref="CapabilityException">Anything about the bytes is wrong; the reason says what.</exception>
    public static CapabilityToken Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) throw new CapabilityException("token is empty");
        if (bytes.Length > CapabilityLimits.MaxTokenBytes)
            throw new CapabilityException($"token is {bytes.Length} bytes, over the limit of {CapabilityLimits.MaxTokenBytes}");

        var encoded = bytes.ToArray();
        ReadOnlyMemory<byte>[] raw;
        try
        {
            var reader = new CborReader(encoded, CborConformanceMode.Canonical);
            if (reader.PeekState() != CborReaderState.StartArray)
                throw new CapabilityException("token is not a CBOR array of links");
            var count = reader.ReadStartArray() ?? throw new CapabilityException("token must be a definite-length array");
            if (count == 0) throw new CapabilityException("token has no links");
            if (count > CapabilityLimits.MaxDepth)
                throw new CapabilityException($"token has {count} links, more than the limit of {CapabilityLimits.MaxDepth}");
            raw = new ReadOnlyMemory<byte>[count];
            for (var i = 0; i < count; i++)
            {
                try
                {
                    raw[i] = reader.ReadEncodedValue();
                }
                catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException)
                {
                    throw new CapabilityException($"link {i}: malformed CBOR: {e.Message}");
                }
            }
            reader.ReadEndArray();
            if (reader.BytesRemaining != 0)
                throw new CapabilityException($"token has {reader.BytesRemaining} trailing bytes after its links");
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new CapabilityException($"token is not well-formed CBOR: {e.Message}");
        }

        var links = new CapabilityLink[raw.Length];
        for (var i = 0; i < raw.Length; i++) links[i] = DecodeLink(i, raw[i].ToArray());
        return new CapabilityToken(links, encoded);
    }

    /// <summary>Reads the text form (base64url; surrounding whitespace ignored), then <see cref="Decode"/>.</summary>
    public static CapabilityToken Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty) throw new CapabilityException("token is empty");
        // Refuse a huge text before decoding it: 4 characters carry 3 bytes.
        if (trimmed.Length > (CapabilityLimits.MaxTokenBytes + 2) / 3 * 4 + 64)
            throw new CapabilityException($"token text is {trimmed.Length} characters, over the limit of {CapabilityLimits.MaxTokenBytes} bytes");
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(trimmed);
        }
        catch (FormatException)
        {
            throw new CapabilityException("token text is not base64url");
        }
        return Decode(bytes);
    }

    /// <summary>Decodes then verifies: limits first, then structure, then signatures.</summary>
    public static VerifiedCapability Verify(ReadOnlySpan<byte> bytes, TrustedIssuers trust) => Decode(bytes).Verify(trust);

    /// <summary>
    /// Checks the chain against <paramref name="trust"/> (see the remarks on this class). Does not
    /// look at the clock: the time window is checked per use with <see cref="VerifiedCapability.CheckUse"/>.
    /// </summary>
    /// <exception cref="CapabilityException">A rule failed; the reason names the link.</exception>
    public VerifiedCapability Verify(TrustedIssuers trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var root = _links[0];
        if (!trust.Contains(root.Issuer))
            throw new CapabilityException($"link 0: issuer {root.IssuerText[..12]}… is not trusted");

        for (var i = 0; i < _links.Length; i++)
        {
            var link = _links[i];
            if (i > 0) CheckDelegation(i, _links[i - 1], link);
            using var issuer = GridKey.FromPublicKey(link.Issuer);
            if (!CoseEnvelope.VerifySignature(link.Encoded, issuer))
                throw new CapabilityException($"link {i}: signature does not verify with its issuer's key");
        }
        return new VerifiedCapability(this);
    }

    /// <summary>
    /// Makes a one-link token signed by <paramref name="issuer"/>. Times are kept to whole seconds
    /// (rounded down). <paramref name="holder"/> is the 65-byte public key the token is handed to;
    /// null makes a bearer token, which cannot be delegated further.
    /// </summary>
    /// <exception cref="CapabilityException">The issuer has no private key, the prefix is too long,
    /// the holder is not a P-256 point, or <paramref name="notBefore"/> is not before <paramref name="expires"/>.</exception>
    public static CapabilityToken Issue(GridKey issuer, ReadOnlySpan<byte> prefix, DateTimeOffset notBefore, DateTimeOffset expires, byte[]? holder = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var link = SignLink(0, issuer, holder, prefix, notBefore, expires, parent: null);
        return FromLinks([link]);
    }

    /// <summary>
    /// Delegates this token, offline: signs a new last link with the current holder's key that may
    /// only narrow the prefix and shorten the expiry, and names the next holder (null: bearer).
    /// <paramref name="notBefore"/> defaults to the current last link's not-before.
    /// </summary>
    /// <exception cref="CapabilityException"><paramref name="holderKey"/> is not the last link's holder
    /// (or it is a bearer link), the prefix does not start with the last link's, the expiry passes
    /// the last link's, or the chain is already at its depth or size limit.</exception>
    public CapabilityToken Attenuate(GridKey holderKey, ReadOnlySpan<byte> prefix, DateTimeOffset expires, byte[]? newHolder = null, DateTimeOffset? notBefore = null)
    {
        ArgumentNullException.ThrowIfNull(holderKey);
        var leaf = Leaf;
        if (leaf.Holder is null)
            throw new CapabilityException("the token's last link is a bearer link, which cannot be delegated");
        if (!holderKey.PublicKey.AsSpan().SequenceEqual(leaf.Holder))
            throw new CapabilityException($"the key given ({holderKey.PublicKeyText[..12]}…) is not the holder of the token's last link ({leaf.HolderText![..12]}…)");
        if (_links.Length >= CapabilityLimits.MaxDepth)
            throw new CapabilityException($"the token already has {_links.Length} links, the most a chain may have");
        if (!prefix.StartsWith(leaf.Prefix))
            throw new CapabilityException($"prefix '{Show(prefix)}' does not start with the token's prefix '{Show(leaf.Prefix)}'");
        var truncated = UnixTime.Truncate(expires);
        if (truncated > leaf.Expires)
            throw new CapabilityException($"expiry {UnixTime.Format(truncated)} passes the token's expiry {UnixTime.Format(leaf.Expires)}");

        var link = SignLink(_links.Length, holderKey, newHolder, prefix, notBefore ?? leaf.NotBefore, truncated, leaf.Hash);
        return FromLinks([.. _links, link]);
    }

    /// <summary>The first <paramref name="count"/> links as a token of their own (still a valid chain).</summary>
    internal CapabilityToken Take(int count) => count == _links.Length ? this : FromLinks(_links[..count]);

    /// <summary>Prefix text for reasons: notation, cut at 64 characters.</summary>
    internal static string Show(ReadOnlySpan<byte> bytes) => SequenceText.Format(bytes, 64);

    private static void CheckDelegation(int i, CapabilityLink parent, CapabilityLink link)
    {
        if (!link.Parent.AsSpan().SequenceEqual(parent.Hash))
            throw new CapabilityException($"link {i}: was not issued under link {i - 1} (parent hash differs)");
        if (parent.Holder is null)
            throw new CapabilityException($"link {i}: link {i - 1} is a bearer link, which cannot be delegated");
        if (!link.Issuer.AsSpan().SequenceEqual(parent.Holder))
            throw new CapabilityException($"link {i}: issuer {link.IssuerText[..12]}… is not the holder of link {i - 1}");
        if (!link.Prefix.AsSpan().StartsWith(parent.Prefix))
            throw new CapabilityException($"link {i}: prefix '{Show(link.Prefix)}' does not start with its parent's prefix '{Show(parent.Prefix)}'");
        if (link.Expires > parent.Expires)
            throw new CapabilityException(
                $"link {i}: expires {UnixTime.Format(link.Expires)}, after its parent's expiry {UnixTime.Format(parent.Expires)}");
    }

    private static CapabilityLink SignLink(
        int index, GridKey issuer, byte[]? holder, ReadOnlySpan<byte> prefix, DateTimeOffset notBefore, DateTimeOffset expires, byte[]? parent)
    {
        if (!issuer.HasPrivateKey) throw new CapabilityException("the signing key has no private part (give the private key PEM)");
        if (prefix.Length > CapabilityLimits.MaxPrefixBytes)
            throw new CapabilityException($"prefix is {prefix.Length} bytes, over the limit of {CapabilityLimits.MaxPrefixBytes}");
        if (holder is not null && P256.CheckPoint(holder) is { } problem) throw new CapabilityException($"holder: {problem}");
        var nbf = UnixTime.ToSeconds(notBefore);
        var exp = UnixTime.ToSeconds(expires);
        if (nbf >= exp)
            throw new CapabilityException(
                $"not-before {UnixTime.Format(UnixTime.Truncate(notBefore))} is not before expiry {UnixTime.Format(UnixTime.Truncate(expires))}");

        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(6 + (holder is null ? 0 : 1) + (parent is null ? 0 : 1));
        writer.WriteInt64(ClaimLabels.Issuer);
        writer.WriteTextString(issuer.PublicKeyText);
        if (holder is not null)
        {
            writer.WriteInt64(ClaimLabels.Audience);
            writer.WriteTextString(Base64Url.EncodeToString(holder));
        }
        writer.WriteInt64(ClaimLabels.Expires);
        writer.WriteInt64(exp);
        writer.WriteInt64(ClaimLabels.NotBefore);
        writer.WriteInt64(nbf);
        writer.WriteInt64(ClaimLabels.IssuedAt);
        writer.WriteInt64(UnixTime.ToSeconds(DateTimeOffset.UtcNow));
        writer.WriteInt64(ClaimLabels.TokenId);
        writer.WriteByteString(RandomNumberGenerator.GetBytes(ClaimLabels.NonceBytes));
        writer.WriteInt64(ClaimLabels.Prefix);
        writer.WriteByteString(prefix);
        if (parent is not null)
        {
            writer.WriteInt64(ClaimLabels.Parent);
            writer.WriteByteString(parent);
        }
        writer.WriteEndMap();

        // Decoding what was just signed keeps one definition of a link: whatever Issue and
        // Attenuate make, Decode accepts.
        return DecodeLink(index, CoseEnvelope.Sign(issuer, writer.Encode()));
    }

    private static CapabilityToken FromLinks(CapabilityLink[] links)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(links.Length);
        foreach (var link in links) writer.WriteEncodedValue(link.Encoded);
        writer.WriteEndArray();
        var encoded = writer.Encode();
        if (encoded.Length > CapabilityLimits.MaxTokenBytes)
            throw new CapabilityException($"the token would be {encoded.Length} bytes, over the limit of {CapabilityLimits.MaxTokenBytes}");
        return new CapabilityToken(links, encoded);
    }

    private static CapabilityLink DecodeLink(int index, byte[] encoded)
    {
        var context = $"link {index}: ";
        var parts = CoseEnvelope.Read(encoded, context);
        return ClaimReader.Guard(context, () => ReadClaims(index, context, parts.Payload, encoded));
    }

    private static CapabilityLink ReadClaims(int index, string context, byte[] payload, byte[] encoded)
    {
        var claims = new ClaimReader(payload, context);
        byte[]? issuer = null, holder = null, prefix = null, nonce = null, parent = null;
        DateTimeOffset? expires = null, notBefore = null, issuedAt = null;
        while (claims.TryReadLabel(out var label))
        {
            switch (label)
            {
                case ClaimLabels.Issuer: issuer = ReadKey(claims, "iss (1)"); break;
                case ClaimLabels.Audience: holder = ReadKey(claims, "aud (3)"); break;
                case ClaimLabels.Expires: expires = claims.ReadTime("exp (4)"); break;
                case ClaimLabels.NotBefore: notBefore = claims.ReadTime("nbf (5)"); break;
                case ClaimLabels.IssuedAt: issuedAt = claims.ReadTime("iat (6)"); break;
                case ClaimLabels.TokenId: nonce = claims.ReadBytes("cti (7)"); break;
                case ClaimLabels.Prefix: prefix = claims.ReadBytes("prefix (-65537)"); break;
                case ClaimLabels.Parent: parent = claims.ReadBytes("parent (-65538)"); break;
                default: throw claims.Fail($"unknown claim {label}");
            }
        }

        if (issuer is null) throw claims.Fail("claim iss (1) is missing");
        if (expires is null) throw claims.Fail("claim exp (4) is missing");
        if (notBefore is null) throw claims.Fail("claim nbf (5) is missing");
        if (issuedAt is null) throw claims.Fail("claim iat (6) is missing");
        if (nonce is null) throw claims.Fail("claim cti (7) is missing");
        if (prefix is null) throw claims.Fail("claim prefix (-65537) is missing");
        if (nonce.Length != ClaimLabels.NonceBytes)
            throw claims.Fail($"claim cti (7) must be {ClaimLabels.NonceBytes} bytes, got {nonce.Length}");
        if (prefix.Length > CapabilityLimits.MaxPrefixBytes)
            throw claims.Fail($"prefix is {prefix.Length} bytes, over the limit of {CapabilityLimits.MaxPrefixBytes}");
        if (index == 0 && parent is not null) throw claims.Fail("the root link must not name a parent (claim -65538)");
        if (index > 0 && parent is null) throw claims.Fail("claim parent (-65538) is missing; every link after the root names its parent");
        if (parent is not null && parent.Length != ClaimLabels.HashBytes)
            throw claims.Fail($"claim parent (-65538) must be a {ClaimLabels.HashBytes}-byte SHA-256 hash, got {parent.Length} bytes");
        if (notBefore >= expires)
            throw claims.Fail($"not-before {UnixTime.Format(notBefore.Value)} is not before expiry {UnixTime.Format(expires.Value)}");

        return new CapabilityLink(issuer, holder, prefix, notBefore.Value, expires.Value, issuedAt.Value, nonce, parent,
            encoded, SHA256.HashData(encoded));
    }

    private static byte[] ReadKey(ClaimReader claims, string name)
    {
        var text = claims.ReadText(name);
        byte[] point;
        try
        {
            point = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            throw claims.Fail($"claim {name} is not base64url");
        }
        // One text per key: no padding, no whitespace, so a key has one spelling everywhere.
        if (P256.CheckPoint(point) is { } problem) throw claims.Fail($"claim {name}: {problem}");
        if (!string.Equals(Base64Url.EncodeToString(point), text, StringComparison.Ordinal))
            throw claims.Fail($"claim {name} is not in canonical base64url (no padding, no whitespace)");
        return point;
    }
}
