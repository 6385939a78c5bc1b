using System.Runtime.Serialization;
using System.Text;
using Microsoft.Extensions.Primitives;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Core.Content;
using PromiseGrid.Hosting.Gateway;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Serialization;
using PromiseGrid.Modules.Gpt;

namespace PromiseGrid.Fuzz;

/// <summary>
/// The fuzz targets: each takes any bytes and must end in success or in the refusal its parser
/// documents. Anything else escaping <see cref="Run"/> (IndexOutOfRange, NullReference,
/// Overflow, InvalidCast, ... or a <see cref="FuzzPropertyException"/> for a broken round trip)
/// is a crash. The same code runs under the fuzzer (Program.cs) and in the replay test of every
/// committed input (tests/PromiseGrid.Hosting.Tests/FuzzCorpusReplayTests.cs), so what the fuzzer
/// judged is exactly what <c>dotnet test</c> checks. No SharpFuzz type here: the tests link this
/// file without the fuzzer's package.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Target names, as given on the command line and as folder names under corpus/ and regressions/.</summary>
    public static IReadOnlyList<string> Names { get; } = ["token", "proof", "revocation", "sequence", "cid", "wire", "gpt", "auth"];

    /// <summary>
    /// Not a parser: a target that crashes on any input of 8 bytes or more, which fuzz.sh and
    /// ci.sh run first to show that a crash is found, saved and fails the run. Not in <see cref="Names"/>.
    /// </summary>
    public const string SelfTest = "selftest";

    // The keys, sequence and time of docs/capabilities-vectors.json, so the vectors in the seed
    // corpus get past every structural check into signature and chain verification.
    private const string RootKeyText = "BBzTp20509sAbppq-T5zzYOqFUM3tqUzFcpJIZlh3UN0qRUwRWeo6fw2TiemUHB1emyUpSdu4ObXwnbsHpm8rjk";
    private const string BobKeyText = "BG01qnIVb_Ob_sZLbLBaCrW4oXPX3_YecxPcsD5vy7PIoSj1hSnnyFH0hoDmnCpv1GTV7MAh0ZDyuoVRho639WY";
    private static readonly byte[] ProofSequence = Encoding.ASCII.GetBytes("echo/hi there");
    private static readonly DateTimeOffset VerifyAt = DateTimeOffset.FromUnixTimeSeconds(1893456000);

    private static readonly Lazy<TrustedIssuers> Trust = new(() => TrustedIssuers.Parse([RootKeyText]));
    private static readonly Lazy<byte[]> BobKey = new(() => System.Buffers.Text.Base64Url.DecodeFromChars(BobKeyText));

    /// <summary>The <c>wire</c> target's first byte picks the manifest; the last entry is one no node knows.</summary>
    public static IReadOnlyList<string> WireManifests { get; } =
    [
        KernelMessageSerializer.CompleteManifest, KernelMessageSerializer.CompletionManifest,
        KernelMessageSerializer.CompletionPartManifest, KernelMessageSerializer.RegisterManifest,
        KernelMessageSerializer.RegisteredManifest, KernelMessageSerializer.RegistrationRefusedManifest,
        KernelMessageSerializer.UnregisterManifest, KernelMessageSerializer.UnregisteredManifest,
        KernelMessageSerializer.NodeRoutesManifest, KernelMessageSerializer.RoutesDeltaManifest,
        KernelMessageSerializer.RoutesSnapshotManifest, KernelMessageSerializer.RoutesRequestManifest,
        KernelMessageSerializer.RoutesVersionManifest, KernelMessageSerializer.RoutesAckManifest, "?",
    ];

    // FromBinary and ToBinary use no part of the actor system (KernelMessageSerializer.cs), so
    // the reader is fuzzed without starting one: a process per input stays fast.
    private static readonly Lazy<KernelMessageSerializer> Serializer = new(() => new KernelMessageSerializer(null!));

    /// <summary>Runs <paramref name="target"/> on <paramref name="data"/>: the outcome in one line, or the crash as an exception.</summary>
    /// <exception cref="ArgumentException">No target has that name.</exception>
    public static string Run(string target, byte[] data) => target switch
    {
        "token" => Token(data),
        "proof" => Proof(data),
        "revocation" => Revocation(data),
        "sequence" => SequenceNotation(data),
        "cid" => CidText(data),
        "wire" => Wire(data),
        "gpt" => Gpt(data),
        "auth" => Auth(data),
        SelfTest => SelfTestCrash(data),
        _ => throw new ArgumentException($"unknown fuzz target '{target}'; targets: {string.Join(", ", Names)}", nameof(target)),
    };

    /// <summary>
    /// Formats the bytes first: the fuzzer refuses a target that reaches no instrumented code,
    /// and this harness is not instrumented, PromiseGrid.Core is.
    /// </summary>
    private static string SelfTestCrash(byte[] data)
    {
        var text = SequenceText.Format(data);
        return data.Length < 8 ? text : throw new IndexOutOfRangeException("selftest: 8 bytes or more, as a parser reading past its end");
    }

    /// <summary>Token bytes through Decode and Verify, and the same bytes as token text through Parse.</summary>
    private static string Token(byte[] data)
    {
        string outcome;
        try
        {
            var token = CapabilityToken.Decode(data);
            Check(token.Encoded.AsSpan().SequenceEqual(data), "a decoded token's Encoded differs from its input");
            Check(CapabilityToken.Parse(token.ToText()).Encoded.AsSpan().SequenceEqual(data), "a token's text does not parse back to it");
            var verified = token.Verify(Trust.Value);
            var use = verified.CheckUse(ProofSequence, VerifyAt);
            outcome = $"verified, {token.Links.Count} links, use: {use ?? "allowed"}";
        }
        catch (CapabilityException e)
        {
            outcome = "refused: " + e.Reason;
        }
        try
        {
            CapabilityToken.Parse(Encoding.Latin1.GetString(data));
        }
        catch (CapabilityException)
        {
            // The text form refuses with the same exception type; its reason is not the outcome.
        }
        return outcome;
    }

    /// <summary>A holder proof checked against bob, the holder of the vectors' bound token, for its sequence and time.</summary>
    private static string Proof(byte[] data)
    {
        try
        {
            var facts = HolderProof.Verify(data, BobKey.Value, ProofSequence, VerifyAt, CapabilityLimits.DefaultProofSkew);
            return $"verified, issued {facts.IssuedAt:O}";
        }
        catch (CapabilityException e)
        {
            return "refused: " + e.Reason;
        }
    }

    private static string Revocation(byte[] data)
    {
        try
        {
            var revoked = RevocationStatement.Verify(data, Trust.Value);
            return $"verified, revokes {revoked.HashHex}";
        }
        catch (CapabilityException e)
        {
            return "refused: " + e.Reason;
        }
    }

    /// <summary>
    /// The bytes as notation (UTF-8, so every character reaches the parser), and the bytes as a
    /// sequence formatted then parsed back: notation must round-trip every byte string.
    /// </summary>
    private static string SequenceNotation(byte[] data)
    {
        var formatted = SequenceText.Format(data);
        Check(SequenceText.Parse(formatted).Span.SequenceEqual(data), "Parse(Format(bytes)) differs from the bytes");
        SequenceText.Format(data, data.Length % 64);
        var text = Encoding.UTF8.GetString(data);
        try
        {
            var parsed = SequenceText.Parse(text);
            Check(SequenceText.Parse(SequenceText.Format(parsed.Span)) == parsed, "a parsed sequence does not survive Format then Parse");
            return $"parsed, {parsed.Length} bytes";
        }
        catch (SequenceFormatException e)
        {
            return "refused: " + e.Reason;
        }
    }

    /// <summary>The bytes as CID text (the store's <c>store/get/</c> rest) and as a string.</summary>
    private static string CidText(byte[] data)
    {
        string outcome;
        try
        {
            var cid = Cid.Parse(data);
            Check(cid.ToString() == Encoding.Latin1.GetString(data), "a parsed CID does not print as its text");
            Check(Cid.Parse(cid.ToString()) == cid && cid.ToBytes().Length == Cid.ByteLength, "a CID does not round-trip");
            outcome = "parsed " + cid;
        }
        catch (CidFormatException e)
        {
            outcome = "refused: " + e.Reason;
        }
        var text = Encoding.UTF8.GetString(data);
        Cid? fromText;
        try
        {
            fromText = Cid.Parse(text);
        }
        catch (CidFormatException)
        {
            fromText = null;
        }
        Check(Cid.TryParse(text, out var tried) == (fromText is not null) && tried == fromText, "Cid.TryParse and Cid.Parse disagree");
        return outcome;
    }

    /// <summary>First byte: the manifest (<see cref="WireManifests"/>); the rest: the payload as it comes off the wire.</summary>
    private static string Wire(byte[] data)
    {
        var manifest = data.Length == 0 ? WireManifests[0] : WireManifests[data[0] % WireManifests.Count];
        var payload = data.Length == 0 ? data : data[1..];
        object message;
        try
        {
            message = Serializer.Value.FromBinary(payload, manifest);
        }
        catch (SerializationException e)
        {
            return "refused: " + e.Message;
        }
        // A message that was read must be usable: logged (records print every property), and
        // written and read back as the same message.
        _ = message.ToString();
        var again = Serializer.Value.FromBinary(Serializer.Value.ToBinary(message), Serializer.Value.Manifest(message));
        Check(again.Equals(message), $"{manifest} does not survive ToBinary then FromBinary");
        return $"read {message.GetType().Name}";
    }

    /// <summary>The bytes after <c>gpt/</c>, with the defaults of src/PromiseGrid.Modules/Gpt/gpt.conf.</summary>
    private static string Gpt(byte[] data)
    {
        try
        {
            var request = GptRequest.Parse(new Sequence(data), defaultBytes: 64, maxBytes: 4096);
            Check(request.Count is >= 1 and <= 4096, $"n={request.Count} outside 1..4096");
            Check(request.Sampling.Temperature is >= 0 and <= GptRequest.MaxTemperature, $"t={request.Sampling.Temperature} out of range");
            return $"parsed n={request.Count}, prompt {request.Prompt.Length} bytes";
        }
        catch (CompletionRefusedException e) when (e.Status == CompletionStatus.BadRequest)
        {
            return "refused: " + e.Message;
        }
    }

    /// <summary>
    /// The bytes as Authorization header values (Latin-1, as Kestrel hands over header bytes; a
    /// newline separates two headers). TryParse never throws; a capability it reads must print as
    /// a header that reads back the same.
    /// </summary>
    private static string Auth(byte[] data)
    {
        var values = data.Length == 0 ? StringValues.Empty : new StringValues(Encoding.Latin1.GetString(data).Split('\n'));
        var ok = GridAuthorization.TryParse(values, out var capability, out var error);
        Check(ok == (error is null), "TryParse's result and error disagree");
        Check(ok || capability is null, "a refused header still gave a capability");
        if (!ok) return "refused: " + error;
        if (capability is null) return "no capability";
        var header = GridAuthorization.Format(capability.Token.Span, capability.Proof.Span);
        Check(GridAuthorization.TryParse(header, out var again, out _) && capability.Equals(again), "a header does not survive Format then TryParse");
        return $"capability, token {capability.Token.Length} bytes, proof {capability.Proof.Length} bytes";
    }

    private static void Check(bool condition, string property)
    {
        if (!condition) throw new FuzzPropertyException(property);
    }
}

/// <summary>A property every accepted input must have did not hold: a crash like any unexpected exception.</summary>
public sealed class FuzzPropertyException(string property) : Exception(property);
