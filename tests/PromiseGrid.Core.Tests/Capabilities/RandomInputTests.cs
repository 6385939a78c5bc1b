using PromiseGrid.Core.Capabilities;
using Xunit;
using static PromiseGrid.Core.Tests.Capabilities.Keys;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// Whatever bytes arrive as a token, the answer is a CapabilityException with a reason, never
/// another exception type (which the kernel would turn into a 500) and never acceptance.
/// </summary>
public sealed class RandomInputTests
{
    private static readonly byte[] ValidToken = ThreeLinks().Encoded;

    private static void AssertRefused(byte[] bytes)
    {
        var error = Record.Exception(() => CapabilityToken.Verify(bytes, Trust));
        if (error is not CapabilityException refusal)
            throw new Xunit.Sdk.XunitException($"{Convert.ToHexString(bytes)} gave {error?.GetType().Name ?? "acceptance"}: {error?.Message}");
        Assert.False(string.IsNullOrWhiteSpace(refusal.Reason), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Random_bytes_are_refused_with_a_reason()
    {
        var random = new Random(20260501);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            // Steer a share of inputs past the first checks: an array of one tagged COSE_Sign1.
            if (i % 3 == 1 && bytes.Length > 4) { bytes[0] = 0x81; bytes[1] = 0xd2; bytes[2] = 0x84; bytes[3] = 0x43; }
            AssertRefused(bytes);
        }
    }

    [Fact]
    public void Random_text_is_refused_with_a_reason()
    {
        var random = new Random(7);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ =+/.";
        for (var i = 0; i < 2000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 300)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var error = Record.Exception(() => CapabilityToken.Parse(text).Verify(Trust));
            Assert.True(error is CapabilityException, $"'{text}' gave {error?.GetType().Name ?? "acceptance"}");
        }
    }

    [Fact]
    public void Every_single_byte_change_to_a_valid_token_is_refused()
    {
        var random = new Random(11);
        for (var position = 0; position < ValidToken.Length; position++)
        {
            var bytes = ValidToken.ToArray();
            bytes[position] ^= (byte)random.Next(1, 256);
            AssertRefused(bytes);
        }
    }

    [Fact]
    public void Every_truncation_of_a_valid_token_is_refused()
    {
        for (var length = 0; length < ValidToken.Length; length++) AssertRefused(ValidToken[..length]);
    }
}
