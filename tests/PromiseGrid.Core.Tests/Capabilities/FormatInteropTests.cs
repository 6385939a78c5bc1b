using System.Formats.Cbor;
using System.Security.Cryptography;
using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// Pins the wire format documented on <see cref="CapabilityToken"/> by reading a token the
/// library made with nothing but System.Formats.Cbor, item by item.
/// </summary>
public sealed class FormatInteropTests
{
    [Fact]
    public void A_token_is_an_array_of_tagged_COSE_Sign1_links_with_the_documented_claims()
    {
        var token = CapabilityToken.Issue(Root, Bytes("echo/"), TokenForge.Start, TokenForge.End, Alice.PublicKey)
            .Attenuate(Alice, Bytes(@"echo/\x00"), TokenForge.End.AddHours(-1));

        var reader = new CborReader(token.Encoded, CborConformanceMode.Canonical);
        Assert.Equal(2, reader.ReadStartArray());
        var first = reader.ReadEncodedValue().ToArray();
        var second = reader.ReadEncodedValue().ToArray();
        reader.ReadEndArray();
        Assert.Equal(0, reader.BytesRemaining);

        var rootClaims = ReadLink(first);
        // Canonical CBOR order: shorter encodings first, so the private-use labels come last.
        Assert.Equal([1, 3, 4, 5, 6, 7, -65537], rootClaims.Keys);
        Assert.Equal(Root.PublicKeyText, rootClaims[1]);
        Assert.Equal(Alice.PublicKeyText, rootClaims[3]);
        Assert.Equal(TokenForge.End.ToUnixTimeSeconds(), rootClaims[4]);
        Assert.Equal(TokenForge.Start.ToUnixTimeSeconds(), rootClaims[5]);
        Assert.Equal(16, ((byte[])rootClaims[7]).Length);
        Assert.Equal("echo/"u8.ToArray(), rootClaims[-65537]);

        var childClaims = ReadLink(second);
        Assert.Equal([1, 4, 5, 6, 7, -65537, -65538], childClaims.Keys); // no aud: a bearer link
        Assert.Equal(Alice.PublicKeyText, childClaims[1]);
        Assert.Equal(TokenForge.End.AddHours(-1).ToUnixTimeSeconds(), childClaims[4]);
        Assert.Equal(new byte[] { (byte)'e', (byte)'c', (byte)'h', (byte)'o', (byte)'/', 0x00 }, childClaims[-65537]);
        Assert.Equal(SHA256.HashData(first), childClaims[-65538]);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(second)), token.Links[1].HashHex);
        Assert.Equal(System.Buffers.Text.Base64Url.EncodeToString(token.Encoded), token.ToText());
    }

    /// <summary>Reads one link: tag 18, [bstr {1: -7}, {}, bstr claims, bstr 64-byte signature].</summary>
    private static OrderedDictionary<long, object> ReadLink(byte[] link)
    {
        var reader = new CborReader(link, CborConformanceMode.Canonical);
        Assert.Equal((CborTag)18, reader.ReadTag());
        Assert.Equal(4, reader.ReadStartArray());
        Assert.Equal(new byte[] { 0xa1, 0x01, 0x26 }, reader.ReadByteString()); // {1 (alg): -7 (ES256)}
        Assert.Equal(0, reader.ReadStartMap());
        reader.ReadEndMap();
        var payload = reader.ReadByteString();
        Assert.Equal(64, reader.ReadByteString().Length);
        reader.ReadEndArray();

        var claims = new OrderedDictionary<long, object>();
        var map = new CborReader(payload, CborConformanceMode.Canonical);
        var count = map.ReadStartMap()!.Value;
        for (var i = 0; i < count; i++)
        {
            var label = map.ReadInt64();
            claims[label] = map.PeekState() switch
            {
                CborReaderState.TextString => map.ReadTextString(),
                CborReaderState.ByteString => map.ReadByteString(),
                CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger => map.ReadInt64(),
                var other => throw new Xunit.Sdk.XunitException($"claim {label} has unexpected type {other}"),
            };
        }
        map.ReadEndMap();
        return claims;
    }
}
