using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;

namespace PromiseGrid.Core.Capabilities.Internal;

/// <summary>
/// The one COSE shape this project signs and accepts: a tagged COSE_Sign1 (CBOR tag 18) whose
/// protected header is exactly <c>{1: -7}</c> (ES256), whose unprotected header is empty, with an
/// embedded payload and a 64-byte low-S r||s signature. <see cref="CoseSign1Message"/> builds and
/// checks the Sig_structure; this class only pins the framing so that a message has exactly one
/// encoding (its hash then names it), and reads it without any signature work.
/// </summary>
internal static class CoseEnvelope
{
    public const int Sign1Tag = 18;
    public const int Es256 = -7;
    public const int SignatureBytes = 64;
    private const int AlgorithmLabel = 1;

    /// <summary>The payload and signature of a structurally valid envelope.</summary>
    public readonly record struct Parts(byte[] Payload, byte[] Signature);

    /// <summary>Signs <paramref name="payload"/> with <paramref name="key"/> into the canonical envelope.</summary>
    public static byte[] Sign(GridKey key, byte[] payload)
    {
        if (!key.HasPrivateKey) throw new CapabilityException("the signing key has no private part (give the private key PEM)");
        var encoded = CoseSign1Message.SignEmbedded(payload, new CoseSigner(key.Ecdsa, HashAlgorithmName.SHA256));
        // The signature is the last item of the array, so its bytes end the encoding.
        P256.NormalizeLowS(encoded.AsSpan(encoded.Length - SignatureBytes));
        return encoded;
    }

    /// <summary>True when the envelope's signature verifies with <paramref name="key"/>.</summary>
    public static bool VerifySignature(byte[] encoded, GridKey key)
    {
        try
        {
            return CoseMessage.DecodeSign1(encoded).VerifyEmbedded(key.Ecdsa);
        }
        catch (Exception e) when (e is CryptographicException or CborContentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks the framing; every failure is a <see cref="CapabilityException"/> whose reason starts
    /// with <paramref name="context"/> (e.g. <c>"link 2: "</c>).
    /// </summary>
    public static Parts Read(ReadOnlyMemory<byte> encoded, string context)
    {
        try
        {
            // Canonical: shortest lengths, definite lengths, so no two encodings of one message exist.
            var reader = new CborReader(encoded, CborConformanceMode.Canonical);
            if (reader.PeekState() != CborReaderState.Tag || reader.ReadTag() != (CborTag)Sign1Tag)
                throw new CapabilityException($"{context}is not a tagged COSE_Sign1 (CBOR tag {Sign1Tag})");
            if (reader.PeekState() != CborReaderState.StartArray)
                throw new CapabilityException($"{context}is not a COSE_Sign1 (an array of 4 items)");
            var items = reader.ReadStartArray();
            if (items != 4) throw new CapabilityException($"{context}is not a COSE_Sign1 (an array of 4 items, got {items})");

            ExpectState(reader, CborReaderState.ByteString, context, "protected header must be a byte string");
            CheckProtectedHeader(reader.ReadByteString(), context);

            ExpectState(reader, CborReaderState.StartMap, context, "unprotected header must be a map");
            if (reader.ReadStartMap() != 0)
                throw new CapabilityException($"{context}unprotected header must be empty (nothing unsigned is allowed)");
            reader.ReadEndMap();

            if (reader.PeekState() == CborReaderState.Null)
                throw new CapabilityException($"{context}payload is detached; the claims must be embedded");
            ExpectState(reader, CborReaderState.ByteString, context, "payload must be a byte string");
            var payload = reader.ReadByteString();

            ExpectState(reader, CborReaderState.ByteString, context, "signature must be a byte string");
            var signature = reader.ReadByteString();
            if (signature.Length != SignatureBytes)
                throw new CapabilityException($"{context}signature is {signature.Length} bytes, ES256 needs {SignatureBytes}");
            if (!P256.IsLowS(signature))
                throw new CapabilityException($"{context}signature is not in low-S form (a malleated copy of a signature)");

            reader.ReadEndArray();
            if (reader.BytesRemaining != 0)
                throw new CapabilityException($"{context}{reader.BytesRemaining} trailing bytes after the COSE_Sign1");
            return new Parts(payload, signature);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new CapabilityException($"{context}malformed CBOR: {e.Message}");
        }
    }

    private static void CheckProtectedHeader(byte[] header, string context)
    {
        var reader = new CborReader(header, CborConformanceMode.Canonical);
        ExpectState(reader, CborReaderState.StartMap, context, "protected header must be a CBOR map");
        var count = reader.ReadStartMap();
        int? algorithm = null;
        for (var i = 0; i < count; i++)
        {
            var state = reader.PeekState();
            if (state is not (CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger))
                throw new CapabilityException($"{context}protected header has a label that is not an integer");
            var label = reader.ReadInt64();
            if (label != AlgorithmLabel)
                throw new CapabilityException($"{context}protected header has unexpected label {label} (only 1, alg, is allowed)");
            if (reader.PeekState() is not (CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger))
                throw new CapabilityException($"{context}algorithm must be an integer, ES256 is {Es256}");
            algorithm = reader.ReadInt32();
        }
        reader.ReadEndMap();
        if (reader.BytesRemaining != 0) throw new CapabilityException($"{context}trailing bytes in the protected header");
        if (algorithm is null) throw new CapabilityException($"{context}protected header names no algorithm; ES256 ({Es256}) is required");
        if (algorithm != Es256) throw new CapabilityException($"{context}algorithm {algorithm} is not ES256 ({Es256})");
    }

    private static void ExpectState(CborReader reader, CborReaderState expected, string context, string message)
    {
        if (reader.PeekState() != expected) throw new CapabilityException(context + message);
    }
}
