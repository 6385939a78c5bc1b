using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Serialization;

namespace PromiseGrid.Fuzz;

/// <summary>
/// The seed corpus (corpus/TARGET/ beside this file): small valid inputs and near misses, one
/// per refusal worth reaching, so the fuzzer starts past the first checks. Tokens, proofs and
/// statements are the bytes of docs/capabilities-vectors.json; wire seeds are what the
/// serializer writes. Regenerate with <c>PromiseGrid.Fuzz seeds corpus ../../docs/capabilities-vectors.json</c>;
/// files the fuzzer found are kept beside these under their own names.
/// </summary>
internal static class Seeds
{
    public static void Write(string corpus, string vectorsPath)
    {
        var vectors = JsonNode.Parse(File.ReadAllText(vectorsPath))!;
        byte[] Hex(string path) => Convert.FromHexString(Text(path));
        string Text(string path)
        {
            var node = vectors;
            foreach (var part in path.Split('.')) node = node[part] ?? throw new KeyNotFoundException($"{vectorsPath}: no {path}");
            return (string)node!;
        }

        var bearer = Hex("tokens.bearer.token");
        var bound = Hex("tokens.bound.token");
        var link = Hex("links.bearer0.link");
        Save(corpus, "token", new()
        {
            ["bearer"] = bearer,
            ["bound"] = bound,
            ["bound-text"] = Encoding.ASCII.GetBytes(Text("tokens.bound.text")),
            ["bound-cut"] = bound[..^40],
            ["bearer-flipped-signature"] = Flip(bearer, bearer.Length - 1),
            ["bare-link"] = link,
            ["no-links"] = [0x80],
            ["indefinite"] = [0x9f, .. link, 0xff],
        });

        var proof = Hex("proof.proof");
        Save(corpus, "proof", new()
        {
            ["valid"] = proof,
            ["flipped-signature"] = Flip(proof, proof.Length - 1),
            ["cut"] = proof[..^10],
            ["payload-only"] = Hex("proof.payload"),
        });

        var statement = Hex("revocation.statement");
        Save(corpus, "revocation", new()
        {
            ["valid"] = statement,
            ["cut"] = statement[..^64],
            ["payload-only"] = Hex("revocation.payload"),
        });

        Save(corpus, "sequence", Texts(new()
        {
            ["plain"] = "echo/hi there",
            ["escapes"] = @"echo/\x00\xff\\",
            ["lone-backslash"] = @"echo\",
            ["short-hex"] = @"\x4",
            ["bad-escape"] = @"\q",
            ["non-ascii"] = "caf\u00e9",
        }));

        Save(corpus, "cid", Texts(new()
        {
            ["hello"] = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
            ["dag-pb"] = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            ["v0"] = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
            ["upper"] = "BAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4",
            ["short"] = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2deve",
        }));

        var hi = Sequence.FromUtf8("echo/hi");
        var route = new RouteSpec(Sequence.FromUtf8("echo/"), "echo", Pure: true);
        Save(corpus, "wire", Wire(new()
        {
            ["complete"] = new Complete(7, hi, 1893456000000, Hops: 2, Stream: true),
            ["complete-capability"] = new Complete(8, hi, 1893456000000, new Capability(bound, proof)),
            ["completion"] = Completion.Failed(7, CompletionStatus.Denied, "router@node", "no"),
            ["completion-kept"] = Completion.Kept(7, hi, "echo@node"),
            ["completion-part"] = new CompletionPart(7, hi),
            ["register"] = new Register(route),
            ["registered"] = new Registered(route),
            ["refused"] = new RegistrationRefused(route, "taken"),
            ["unregister"] = new Unregister(route.Prefix),
            ["unregistered"] = new Unregistered(route.Prefix, true),
            ["node-routes"] = new NodeRoutes("akka.tcp://promisegrid@127.0.0.1:4053", 42,
                [new RouteEntry(route.Prefix, "echo", "/user/echo", true)]),
            ["routes-delta"] = new RoutesDelta("akka.tcp://promisegrid@127.0.0.1:4053", 42, 3,
                [new RouteEntry(route.Prefix, "echo", "/user/echo", true)], [new RouteEntry(hi, "", "/user/old", false)]),
            ["routes-snapshot"] = new RoutesSnapshot("akka.tcp://promisegrid@127.0.0.1:4053", 42, 3, 1, true,
                [new RouteEntry(route.Prefix, "echo", "/user/echo", true)]),
            ["routes-request"] = new RoutesRequest(42, -1),
            ["routes-version"] = new RoutesVersion("akka.tcp://promisegrid@127.0.0.1:4053", 42, 3, true),
            ["routes-ack"] = new RoutesAck(42, 3),
        }));

        Save(corpus, "gpt", Texts(new()
        {
            ["all-options"] = "n=5,t=0.5,k=10,s=3,stop=0a/hello",
            ["prompt-only"] = "hello, world",
            ["no-slash"] = "n=5",
            ["point-temperature"] = "t=.5/x",
            ["out-of-range"] = "n=99999/x",
            ["bad-stop"] = "stop=zz/x",
            ["twice"] = "k=1,k=2/x",
        }));

        Save(corpus, "auth", Texts(new()
        {
            ["bound-with-proof"] = Text("proof.authorization"),
            ["bearer"] = "Grid " + Text("tokens.bearer.text"),
            ["scheme-only"] = "Grid",
            ["not-base64url"] = "Grid !!!x$$",
            ["other-scheme"] = "Bearer abc",
            ["two-headers"] = "Grid abcd\nGrid abcd",
            ["empty-proof"] = "Grid abcd.",
            ["bad-bits"] = "Grid z_",
        }));
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }

    private static Dictionary<string, byte[]> Texts(Dictionary<string, string> texts) =>
        texts.ToDictionary(pair => pair.Key, pair => Encoding.UTF8.GetBytes(pair.Value));

    /// <summary>The wire target's input: the manifest's index in <see cref="FuzzTargets.WireManifests"/>, then the payload.</summary>
    private static Dictionary<string, byte[]> Wire(Dictionary<string, IKernelMessage> messages)
    {
        var serializer = new KernelMessageSerializer(null!);
        return messages.ToDictionary(pair => pair.Key, pair =>
        {
            var index = (byte)FuzzTargets.WireManifests.ToList().IndexOf(serializer.Manifest(pair.Value));
            return (byte[])[index, .. serializer.ToBinary(pair.Value)];
        });
    }

    private static void Save(string corpus, string target, Dictionary<string, byte[]> seeds)
    {
        var dir = Path.Combine(corpus, target);
        Directory.CreateDirectory(dir);
        foreach (var (name, bytes) in seeds) File.WriteAllBytes(Path.Combine(dir, "seed-" + name), bytes);
        Console.WriteLine($"fuzz: {seeds.Count} seeds in {dir}");
    }
}
