using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PromiseGrid.Core.Capabilities;
using Xunit;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// docs/capabilities.md and docs/capabilities-vectors.json against the code: the vectors verify
/// with the stated keys at the stated times, their deterministic bytes follow from the documented
/// claims, the document's hex blocks are the file's, the documented refusals happen with the
/// documented reasons, and tokens minted by <see cref="SpecMinter"/> (the document alone, no
/// project code) are accepted.
/// </summary>
public sealed partial class SpecVectorTests
{
    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly JsonNode Vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, "docs", "capabilities-vectors.json")))!;
    private static readonly string Document = File.ReadAllText(Path.Combine(RepoRoot, "docs", "capabilities.md"));

    private static readonly DateTimeOffset VerifyAt = DateTimeOffset.FromUnixTimeSeconds((long)Vectors["verifyAt"]!);
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds((int)Vectors["proofSkewSeconds"]!);
    private static readonly TrustedIssuers Trust = TrustedIssuers.Parse([Text("keys.root.public")]);

    /// <summary>The repository: the folder holding PromiseGrid.sln, found upwards from the test binaries.</summary>
    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PromiseGrid.sln"))) return dir.FullName;
        throw new InvalidOperationException("PromiseGrid.sln not found above " + AppContext.BaseDirectory);
    }

    private static JsonNode Node(string path)
    {
        var node = Vectors;
        foreach (var part in path.Split('.')) node = node[part] ?? throw new KeyNotFoundException($"{path}: no '{part}' in the vectors file");
        return node;
    }

    private static string Text(string path) => (string)Node(path)!;

    private static byte[] Hex(string path) => Convert.FromHexString(Text(path));

    private static long Int(string path) => (long)Node(path);

    private static ECDsa PrivateKey(string name) =>
        SpecMinter.Key(Text($"keys.{name}.d"), Text($"keys.{name}.x"), Text($"keys.{name}.y"));

    private static byte[] Point(string name) => [0x04, .. Hex($"keys.{name}.x"), .. Hex($"keys.{name}.y")];

    private static string[] LinkNames => ["bearer0", "bound0", "bound1"];

    // (a) The vectors verify with the stated keys at the stated times.

    [Fact]
    public void Each_key_has_one_identity_in_PEM_raw_and_text_form()
    {
        foreach (var name in new[] { "root", "alice", "bob" })
        {
            using var fromPem = GridKey.FromPem(Text($"keys.{name}.pem"));
            using var raw = PrivateKey(name);
            Assert.True(fromPem.HasPrivateKey);
            Assert.Equal(Point(name), fromPem.PublicKey);
            Assert.Equal(Text($"keys.{name}.public"), fromPem.PublicKeyText);
            Assert.Equal(Hex($"keys.{name}.d"), raw.ExportParameters(true).D);
            Assert.Equal(87, fromPem.PublicKeyText.Length);
        }
    }

    [Theory]
    [InlineData("bearer", "echo/hi there", null)]
    [InlineData("bound", "echo/hi there", "bob")]
    public void Each_token_vector_verifies_against_the_root_and_may_be_used_at_the_stated_time(string name, string sequence, string? holder)
    {
        var bytes = Hex($"tokens.{name}.token");

        var verified = CapabilityToken.Verify(bytes, Trust);

        Assert.Null(verified.CheckUse(Encoding.UTF8.GetBytes(sequence), VerifyAt));
        Assert.Equal(holder is null ? null : Point(holder), verified.Holder);
        Assert.Equal(bytes, CapabilityToken.Parse(Text($"tokens.{name}.text")).Encoded);
        var links = Node($"tokens.{name}.links")!.AsArray().Select(l => (string)l!).ToArray();
        Assert.Equal(links.Length, verified.Token.Links.Count);
        for (var i = 0; i < links.Length; i++)
        {
            Assert.Equal(Hex($"links.{links[i]}.link"), verified.Token.Links[i].Encoded);
            Assert.Equal(Text($"links.{links[i]}.hash"), verified.Token.Links[i].HashHex);
        }
    }

    [Fact]
    public void The_holder_bound_vector_is_valid_from_the_latest_nbf_to_the_earliest_exp_for_the_leaf_prefix()
    {
        var verified = CapabilityToken.Verify(Hex("tokens.bound.token"), Trust);

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Int("links.bound1.claims.exp")), verified.Expires);
        Assert.Equal("token expired at 2031-01-01T00:00:00Z", verified.CheckUse("echo/hi"u8, verified.Expires));
        Assert.Equal("token not valid before 2026-01-01T00:00:00Z", verified.CheckUse("echo/hi"u8, verified.NotBefore.AddSeconds(-1)));
        Assert.Equal("sequence 'echo/ho' is outside the token's prefix 'echo/hi'", verified.CheckUse("echo/ho"u8, VerifyAt));
    }

    [Fact]
    public void The_proof_vector_verifies_for_its_sequence_and_holder_at_its_time_and_not_past_the_skew()
    {
        var proof = Hex("proof.proof");
        var sequence = Hex("proof.sequence");

        var facts = HolderProof.Verify(proof, Point("bob"), sequence, VerifyAt, Skew);

        Assert.Equal(VerifyAt, facts.IssuedAt);
        Assert.Equal(Hex("proof.claims.cti"), facts.Nonce);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Point("bob")).AsSpan(0, 8)) + Text("proof.claims.cti"), facts.NonceKey);
        HolderProof.Verify(proof, Point("bob"), sequence, VerifyAt + Skew, Skew);
        Assert.StartsWith("holder proof time 2030-01-01T00:00:00Z is more than 30 s from now",
            Refusal.Of(() => HolderProof.Verify(proof, Point("bob"), sequence, VerifyAt + Skew + TimeSpan.FromSeconds(1), Skew)));
        Assert.Equal("holder proof is not signed by the token's holder", Refusal.Of(() => HolderProof.Verify(proof, Point("alice"), sequence, VerifyAt, Skew)));
        Assert.Equal("holder proof is for another sequence", Refusal.Of(() => HolderProof.Verify(proof, Point("bob"), "echo/hi"u8, VerifyAt, Skew)));
    }

    [Fact]
    public void The_authorization_vector_is_the_token_and_the_proof_in_base64url_joined_by_a_dot()
    {
        var header = Text("proof.authorization");

        Assert.StartsWith("Grid ", header, StringComparison.Ordinal);
        var parts = header["Grid ".Length..].Split('.');
        Assert.Equal(2, parts.Length);
        Assert.Equal(Text("tokens.bound.text"), parts[0]);
        Assert.Equal(Hex("proof.proof"), System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
        Assert.DoesNotContain('=', header);
        Assert.Equal("bound", Text("proof.token"));
    }

    [Fact]
    public void The_statement_vector_revokes_link_1_by_its_issuer_and_the_body_is_the_open_prefix_then_the_statement()
    {
        var revoked = RevocationStatement.Verify(Hex("revocation.statement"), Trust);

        Assert.Equal(Text("links.bound1.hash"), revoked.HashHex);
        Assert.Equal(Point("alice"), revoked.Signer);
        Assert.Equal(VerifyAt, revoked.IssuedAt);
        Assert.Equal([.. "sys/revoke/"u8, .. Hex("revocation.statement")], Hex("revocation.body"));
    }

    // (b) The deterministic bytes follow from the documented claims.

    [Fact]
    public void Link_payloads_re_encoded_from_the_documented_claims_equal_the_documented_bytes()
    {
        foreach (var name in LinkNames)
        {
            var claims = $"links.{name}.claims";
            var c = Node(claims)!.AsObject();
            var payload = SpecMinter.LinkPayload(Text($"{claims}.iss"), c.ContainsKey("aud") ? Text($"{claims}.aud") : null,
                Int($"{claims}.exp"), Int($"{claims}.nbf"), Int($"{claims}.iat"), Hex($"{claims}.cti"), Hex($"{claims}.prefix"),
                c.ContainsKey("parent") ? Hex($"{claims}.parent") : null);
            var link = Hex($"links.{name}.link");

            Assert.Equal(Hex($"links.{name}.payload"), payload);
            Assert.Equal(Hex($"links.{name}.toBeSigned"), SpecMinter.ToBeSigned(payload));
            Assert.Equal(SpecMinter.Envelope(payload, SpecMinter.SignatureOf(link)), link);
            Assert.Equal(Hex($"links.{name}.hash"), SHA256.HashData(link));
            Assert.Equal(Text($"keys.{Text($"links.{name}.signer")}.public"), Text($"{claims}.iss"));
            using var signer = PrivateKey(Text($"links.{name}.signer"));
            Assert.True(signer.VerifyData(SpecMinter.ToBeSigned(payload), SpecMinter.SignatureOf(link), HashAlgorithmName.SHA256), name);
        }
        Assert.Equal(Hex("links.bound0.hash"), Hex("links.bound1.claims.parent"));
        Assert.Equal(SpecMinter.Token(Hex("links.bearer0.link")), Hex("tokens.bearer.token"));
        Assert.Equal(SpecMinter.Token(Hex("links.bound0.link"), Hex("links.bound1.link")), Hex("tokens.bound.token"));
        Assert.Equal(SpecMinter.B64(Hex("tokens.bound.token")), Text("tokens.bound.text"));
    }

    [Fact]
    public void The_proof_and_statement_payloads_re_encoded_from_their_documented_fields_equal_the_documented_bytes()
    {
        var proofPayload = SpecMinter.ProofPayload(Int("proof.claims.iat"), Hex("proof.claims.cti"), Hex("proof.sequence"));
        Assert.Equal(Hex("proof.claims.sequenceHash"), SHA256.HashData(Hex("proof.sequence")));
        Assert.Equal(Hex("proof.payload"), proofPayload);
        Assert.Equal(Hex("proof.toBeSigned"), SpecMinter.ToBeSigned(proofPayload));
        Assert.Equal(SpecMinter.Envelope(proofPayload, SpecMinter.SignatureOf(Hex("proof.proof"))), Hex("proof.proof"));

        Assert.Equal(Hex("links.bound1.hash"), Hex("revocation.claims.hash"));
        Assert.Equal(Hex("tokens.bound.token"), Hex("revocation.claims.token"));
        Assert.Equal(Point("alice"), Hex("revocation.claims.signer"));
        var statementPayload = SpecMinter.StatementPayload(Hex("revocation.claims.hash"), Int("revocation.claims.iat"),
            Hex("revocation.claims.token"), Hex("revocation.claims.signer"));
        Assert.Equal(Hex("revocation.payload"), statementPayload);
        Assert.Equal(Hex("revocation.toBeSigned"), SpecMinter.ToBeSigned(statementPayload));
        Assert.Equal(SpecMinter.Envelope(statementPayload, SpecMinter.SignatureOf(Hex("revocation.statement"))), Hex("revocation.statement"));
    }

    // (c) The document and the vectors file say the same.

    [GeneratedRegex(@"<!-- vector: (?<path>\S+) -->[^`]*```[a-z-]*\n(?<body>[^`]*)```")]
    private static partial Regex VectorBlock();

    [Fact]
    public void Every_vector_block_in_the_document_equals_the_vectors_file()
    {
        var blocks = VectorBlock().Matches(Document);
        var seen = new HashSet<string>();
        foreach (Match block in blocks)
        {
            var path = block.Groups["path"].Value;
            var body = block.Groups["body"].Value;
            var expected = Text(path);
            // A value without whitespace (hex, base64url) may be wrapped in the document; one with (a PEM, a header) is as is.
            var shown = expected.Any(char.IsWhiteSpace) ? body.Trim().ReplaceLineEndings("\n") : Regex.Replace(body, @"\s", "");
            Assert.True(expected.ReplaceLineEndings("\n") == shown, $"the document's {path} differs from the vectors file");
            seen.Add(path);
        }
        string[] required =
        [
            .. LinkNames.SelectMany(l => new[] { $"links.{l}.payload", $"links.{l}.toBeSigned", $"links.{l}.link", $"links.{l}.hash" }),
            "tokens.bearer.token", "tokens.bearer.text", "tokens.bound.token",
            "proof.payload", "proof.toBeSigned", "proof.proof", "proof.authorization",
            "revocation.payload", "revocation.toBeSigned", "revocation.statement", "revocation.body",
            .. new[] { "root", "alice", "bob" }.SelectMany(k => new[] { $"keys.{k}.d", $"keys.{k}.x", $"keys.{k}.y", $"keys.{k}.pem" }),
        ];
        Assert.Empty(required.Except(seen));
    }

    [Fact]
    public void The_documents_claim_values_and_key_texts_are_the_vectors_files()
    {
        foreach (var key in new[] { "root", "alice", "bob" }) Assert.Contains($"`{Text($"keys.{key}.public")}`", Document);
        foreach (var name in LinkNames)
        {
            Assert.Contains($"1: \"{Text($"links.{name}.claims.iss")}\"", Document);
            Assert.Contains($"7: h'{Text($"links.{name}.claims.cti")}'", Document);
            Assert.Contains($"4: {Int($"links.{name}.claims.exp")},", Document);
        }
        Assert.Contains($"-65538: h'{Text("links.bound1.claims.parent")}'", Document);
        Assert.Contains($"-65539: h'{Text("proof.claims.sequenceHash")}'", Document);
        Assert.Contains($"1: h'{Text("revocation.claims.hash")}'", Document);
    }

    // (d) Documented refusals, with the documented reasons.

    /// <summary>The reason, after checking the document states it (with <c>&lt;ctx&gt;</c> for the context).</summary>
    private static void AssertDocumentedRefusal(string context, string rule, Action action)
    {
        Assert.Contains("<ctx>" + rule, Document);
        Assert.Equal(context + rule, Refusal.Of(action));
    }

    [Fact]
    public void The_high_S_twin_of_a_vector_link_is_a_valid_ECDSA_signature_and_is_refused()
    {
        var payload = Hex("links.bearer0.payload");
        var high = SpecMinter.LowS(SpecMinter.SignatureOf(Hex("links.bearer0.link")), high: true);
        using (var root = PrivateKey("root"))
            Assert.True(root.VerifyData(SpecMinter.ToBeSigned(payload), high, HashAlgorithmName.SHA256));

        AssertDocumentedRefusal("link 0: ", "signature is not in low-S form (a malleated copy of a signature)",
            () => CapabilityToken.Verify(SpecMinter.Token(SpecMinter.Envelope(payload, high)), Trust));
        var proofHigh = SpecMinter.Envelope(Hex("proof.payload"), SpecMinter.LowS(SpecMinter.SignatureOf(Hex("proof.proof")), high: true));
        AssertDocumentedRefusal("holder proof is malformed: ", "signature is not in low-S form (a malleated copy of a signature)",
            () => HolderProof.Verify(proofHigh, Point("bob"), Hex("proof.sequence"), VerifyAt, Skew));
    }

    [Fact]
    public void A_vector_link_with_an_entry_in_its_unprotected_header_is_refused()
    {
        var link = Hex("links.bearer0.link");
        var changed = SpecMinter.Envelope(Hex("links.bearer0.payload"), SpecMinter.SignatureOf(link), unprotectedEntries: 1);

        AssertDocumentedRefusal("link 0: ", "unprotected header must be empty (nothing unsigned is allowed)",
            () => CapabilityToken.Verify(SpecMinter.Token(changed), Trust));
        var statement = SpecMinter.Envelope(Hex("revocation.payload"), SpecMinter.SignatureOf(Hex("revocation.statement")), unprotectedEntries: 1);
        AssertDocumentedRefusal("revocation statement is malformed: ", "unprotected header must be empty (nothing unsigned is allowed)",
            () => RevocationStatement.Verify(statement, Trust));
    }

    [Fact]
    public void A_vector_link_without_tag_18_is_refused()
    {
        var untagged = SpecMinter.Envelope(Hex("links.bound0.payload"), SpecMinter.SignatureOf(Hex("links.bound0.link")), tagged: false);

        AssertDocumentedRefusal("link 0: ", "is not a tagged COSE_Sign1 (CBOR tag 18)",
            () => CapabilityToken.Verify(SpecMinter.Token(untagged, Hex("links.bound1.link")), Trust));
    }

    [Fact]
    public void An_unknown_claim_or_a_fractional_time_is_refused_even_when_signed_by_the_root()
    {
        using var root = PrivateKey("root");
        var payload = Hex("links.bearer0.payload");
        // The map head a6 (6 entries) becomes a7, and claim 8 (not in the profile) is appended.
        byte[] unknown = [0xa7, .. payload[1..], 0x08, 0x01];
        Assert.Contains("`link <i>: unknown claim 8`", Document);
        Assert.Equal("link 0: unknown claim 8", Refusal.Of(() => CapabilityToken.Verify(SpecMinter.Token(SpecMinter.Sign1(root, unknown)), Trust)));

        // exp (4) as a float64 of the same instant instead of the integer 1a 7c245f00.
        var floatExp = Convert.FromHexString(Text("links.bearer0.payload").Replace("041a7c245f00", "04fb41df0917c0000000", StringComparison.Ordinal));
        Assert.NotEqual(payload, floatExp);
        Assert.Contains("`claim exp (4) must be an integer (seconds since the Unix epoch)`", Document);
        Assert.Equal("link 0: claim exp (4) must be an integer (seconds since the Unix epoch)",
            Refusal.Of(() => CapabilityToken.Verify(SpecMinter.Token(SpecMinter.Sign1(root, floatExp)), Trust)));
    }

    [Fact]
    public void The_holder_of_link_1_cannot_sign_its_revocation()
    {
        using var bob = PrivateKey("bob");
        var payload = SpecMinter.StatementPayload(Hex("links.bound1.hash"), Int("revocation.claims.iat"), Hex("tokens.bound.token"), Point("bob"));

        var reason = Refusal.Of(() => RevocationStatement.Verify(SpecMinter.Sign1(bob, payload), Trust));

        Assert.Equal($"revocation of link 1 is signed by {Text("keys.bob.public")[..12]}…, which issued neither that link nor any link above it", reason);
    }

    // An independent implementation, from the document alone, interoperates.

    [Fact]
    public void Tokens_proofs_and_statements_minted_from_the_document_alone_are_accepted()
    {
        using var root = PrivateKey("root");
        using var alice = PrivateKey("alice");
        using var bob = PrivateKey("bob");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var rootText = SpecMinter.B64(SpecMinter.Point(root));
        var aliceText = SpecMinter.B64(SpecMinter.Point(alice));
        var bobText = SpecMinter.B64(SpecMinter.Point(bob));

        // Fresh nonces, times and signatures each run: about half of raw ECDSA signatures are high-S, so most runs
        // exercise SpecMinter's own low-S step.
        var link0 = SpecMinter.Sign1(root, SpecMinter.LinkPayload(rootText, aliceText, now + 3600, now - 60, now, RandomNumberGenerator.GetBytes(16), "echo/"u8.ToArray(), null));
        var link1 = SpecMinter.Sign1(alice, SpecMinter.LinkPayload(aliceText, bobText, now + 600, now - 60, now, RandomNumberGenerator.GetBytes(16), "echo/x"u8.ToArray(), SHA256.HashData(link0)));
        var token = SpecMinter.Token(link0, link1);
        var sequence = "echo/x/request"u8.ToArray();
        var proof = SpecMinter.Sign1(bob, SpecMinter.ProofPayload(now, RandomNumberGenerator.GetBytes(16), sequence));
        var statement = SpecMinter.Sign1(root, SpecMinter.StatementPayload(SHA256.HashData(link0), now, SpecMinter.Token(link0), SpecMinter.Point(root)));

        var verified = CapabilityToken.Parse(SpecMinter.B64(token)).Verify(Trust);
        Assert.Null(verified.CheckUse(sequence, DateTimeOffset.FromUnixTimeSeconds(now)));
        Assert.Equal(SpecMinter.Point(bob), verified.Holder);
        HolderProof.Verify(proof, verified.HolderKey!, sequence, DateTimeOffset.FromUnixTimeSeconds(now), CapabilityLimits.DefaultProofSkew);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(link0)), RevocationStatement.Verify(statement, Trust).HashHex);
        Assert.Equal(verified.LinkHashes[0], SHA256.HashData(link0));
    }
}
