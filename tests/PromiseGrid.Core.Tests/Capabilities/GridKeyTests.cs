using System.Diagnostics;
using PromiseGrid.Core.Capabilities;
using Xunit;
using Xunit.Abstractions;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>Keys: text and PEM forms, openssl compatibility, and refusal of anything not on P-256.</summary>
public sealed class GridKeyTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pg-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_generated_key_has_a_65_byte_point_and_an_87_character_text()
    {
        using var key = GridKey.Generate();

        Assert.True(key.HasPrivateKey);
        Assert.Equal(65, key.PublicKey.Length);
        Assert.Equal(0x04, key.PublicKey[0]);
        Assert.Equal(87, key.PublicKeyText.Length);
        Assert.Matches("^[A-Za-z0-9_-]{87}$", key.PublicKeyText);
    }

    [Fact]
    public void Private_PEM_round_trips_and_still_signs()
    {
        using var key = GridKey.Generate();

        var pem = key.ToPrivatePem();
        using var loaded = GridKey.FromPem(pem);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(key.PublicKey, loaded.PublicKey);
        Assert.True(key.Verify("data"u8, loaded.Sign("data"u8)));
        Assert.False(key.Verify("other"u8, loaded.Sign("data"u8)));
    }

    [Fact]
    public void Public_PEM_and_public_text_give_verification_only_keys()
    {
        using var key = GridKey.Generate();

        using var fromPem = GridKey.FromPem(key.ToPublicPem());
        using var fromText = GridKey.ParsePublic(key.PublicKeyText);
        using var fromPrivatePem = GridKey.ParsePublic(key.ToPrivatePem());

        foreach (var publicOnly in new[] { fromPem, fromText, fromPrivatePem })
        {
            Assert.False(publicOnly.HasPrivateKey);
            Assert.Equal(key.PublicKey, publicOnly.PublicKey);
            Assert.True(publicOnly.Verify("x"u8, key.Sign("x"u8)));
            Assert.Equal("this key has no private part", Refusal.Of(() => publicOnly.Sign("x"u8)));
            Assert.Equal("this key has no private part", Refusal.Of(() => publicOnly.ToPrivatePem()));
        }
    }

    [Fact]
    public void Load_reads_a_key_file_a_public_key_file_or_the_text_itself()
    {
        using var key = GridKey.Generate();
        var privateFile = Path.Combine(_folder, "k.pem");
        var textFile = Path.Combine(_folder, "k.pub");
        File.WriteAllText(privateFile, key.ToPrivatePem());
        File.WriteAllText(textFile, key.PublicKeyText + "\n");

        using var fromPrivateFile = GridKey.Load(privateFile);
        using var fromTextFile = GridKey.Load(textFile);
        using var fromText = GridKey.Load(key.PublicKeyText);
        using var fromPemText = GridKey.Load(key.ToPrivatePem());

        Assert.True(fromPrivateFile.HasPrivateKey);
        Assert.True(fromPemText.HasPrivateKey);
        Assert.False(fromTextFile.HasPrivateKey);
        Assert.All(new[] { fromPrivateFile, fromTextFile, fromText, fromPemText }, k => Assert.Equal(key.PublicKey, k.PublicKey));
    }

    [Fact]
    public void Load_explains_a_missing_file_and_a_bad_file()
    {
        Assert.Equal("'/no/such/key.pem' is neither a readable key file nor a key text", Refusal.Of(() => GridKey.Load("/no/such/key.pem")));

        var bad = Path.Combine(_folder, "bad.pem");
        File.WriteAllText(bad, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Assert.StartsWith($"key file '{bad}': not an EC key in PEM form: ", Refusal.Of(() => GridKey.Load(bad)));
    }

    [Fact]
    public void Points_that_are_not_on_P256_are_refused()
    {
        using var key = GridKey.Generate();
        var offCurve = key.PublicKey.ToArray();
        offCurve[40] ^= 0x01;
        var compressed = key.PublicKey[..33].ToArray();
        compressed[0] = 0x02;

        Assert.Equal("the public key is not a point on P-256", Refusal.Of(() => GridKey.FromPublicKey(offCurve)));
        Assert.Equal("a public key must be a 65-byte uncompressed P-256 point (0x04||X||Y), got 33 bytes",
            Refusal.Of(() => GridKey.FromPublicKey(compressed)));
        Assert.Equal("a public key must be an uncompressed point starting with 0x04, got 0x05",
            Refusal.Of(() => GridKey.FromPublicKey([0x05, .. key.PublicKey[1..]])));
        Assert.StartsWith("'not a key' is not a public key", Refusal.Of(() => GridKey.ParsePublic("not a key")));
    }

    [Fact]
    public void A_key_on_another_curve_is_refused()
    {
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);

        var reason = Refusal.Of(() => GridKey.FromPem(p384.ExportPkcs8PrivateKeyPem()));

        Assert.StartsWith("the key is on curve ", reason);
        Assert.EndsWith("P384; ES256 needs P-256 (prime256v1)", reason);
    }

    [Fact]
    public async Task Keys_made_by_openssl_load_and_openssl_reads_ours()
    {
        // Without openssl the interop half cannot run; the PEM then comes from .NET and the test says so.
        var openssl = File.Exists("/usr/bin/openssl") ? "/usr/bin/openssl" : null;
        string theirPem;
        if (openssl is null)
        {
            output.WriteLine("openssl not found at /usr/bin/openssl: generating the PKCS#8 PEM with .NET instead");
            using var stand_in = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            theirPem = stand_in.ExportPkcs8PrivateKeyPem();
        }
        else
        {
            var ecparam = await RunAsync(openssl, "ecparam -name prime256v1 -genkey -noout");
            theirPem = await RunAsync(openssl, "pkcs8 -topk8 -nocrypt", ecparam);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", theirPem);
        }

        using var theirs = GridKey.FromPem(theirPem);
        Assert.True(theirs.HasPrivateKey);
        var token = CapabilityToken.Issue(theirs, "echo/"u8, TokenForge.Start, TokenForge.End);
        token.Verify(new TrustedIssuers([theirs]));

        if (openssl is null) return;
        // And the other way: openssl derives the same public key from the PEM we write.
        using var ours = GridKey.Generate();
        var file = Path.Combine(_folder, "ours.pem");
        File.WriteAllText(file, ours.ToPrivatePem());
        var publicPem = await RunAsync(openssl, $"pkey -in {file} -pubout");
        using var derived = GridKey.FromPem(publicPem);
        Assert.Equal(ours.PublicKey, derived.PublicKey);
        // The output of `openssl ecparam -genkey` without pkcs8 (SEC1, with an EC PARAMETERS block) loads too.
        using var sec1 = GridKey.FromPem(await RunAsync(openssl, "ecparam -name prime256v1 -genkey"));
        Assert.True(sec1.HasPrivateKey);
    }

    [Fact]
    public void Trusted_issuers_compare_by_public_key_and_ignore_duplicates()
    {
        using var key = GridKey.Generate();
        using var other = GridKey.Generate();
        var file = Path.Combine(_folder, "trusted.pem");
        File.WriteAllText(file, key.ToPublicPem());

        var trust = TrustedIssuers.Parse([file, key.PublicKeyText, " ", other.PublicKeyText]);

        Assert.Equal(2, trust.Count);
        Assert.True(trust.Contains(key.PublicKey));
        Assert.True(trust.Contains(other.PublicKey));
        Assert.False(trust.Contains(Keys.Mallory.PublicKey));
        Assert.Equal(0, TrustedIssuers.Parse([]).Count);
        Assert.Equal("'/missing.pub' is neither a readable key file nor a key text", Refusal.Of(() => TrustedIssuers.Parse(["/missing.pub"])));
    }

    private static async Task<string> RunAsync(string file, string arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"openssl {arguments} failed: {await stderr}");
        return await stdout;
    }
}
