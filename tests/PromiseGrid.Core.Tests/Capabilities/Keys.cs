using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Core.Tests.Capabilities;

/// <summary>
/// The cast of the capability tests, made once per test run: a trusted root, three holders a
/// token passes through, and an outsider whose key nobody trusts.
/// </summary>
internal static class Keys
{
    public static readonly GridKey Root = GridKey.Generate();
    public static readonly GridKey Alice = GridKey.Generate();
    public static readonly GridKey Bob = GridKey.Generate();
    public static readonly GridKey Carol = GridKey.Generate();
    public static readonly GridKey Mallory = GridKey.Generate();

    public static readonly TrustedIssuers Trust = new([Root]);

    public static byte[] Bytes(string notation) => SequenceText.Parse(notation).Span.ToArray();

    /// <summary>
    /// root --echo/ to alice--> alice --echo/a to bob--> bob --echo/ab to carol: a three-link chain
    /// made with the library's own Issue and Attenuate.
    /// </summary>
    public static CapabilityToken ThreeLinks(DateTimeOffset? notBefore = null, DateTimeOffset? expires = null)
    {
        var nbf = notBefore ?? TokenForge.Start;
        var exp = expires ?? TokenForge.End;
        return CapabilityToken.Issue(Root, Bytes("echo/"), nbf, exp, Alice.PublicKey)
            .Attenuate(Alice, Bytes("echo/a"), exp.AddDays(-1), Bob.PublicKey)
            .Attenuate(Bob, Bytes("echo/ab"), exp.AddDays(-2), Carol.PublicKey);
    }
}
