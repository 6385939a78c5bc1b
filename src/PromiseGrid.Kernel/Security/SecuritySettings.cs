using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;

namespace PromiseGrid.Kernel.Security;

/// <summary>The <c>promisegrid.security</c> block of reference.conf, parsed and checked once at start.</summary>
/// <param name="Trust">Root issuers; empty means this node checks nothing.</param>
/// <param name="OwnToken">This node's token for requests its modules make, if any.</param>
/// <param name="OwnKey">Holder key of <paramref name="OwnToken"/> when that token is holder-bound.</param>
public sealed record SecuritySettings(
    TrustedIssuers Trust,
    CapabilityToken? OwnToken,
    GridKey? OwnKey,
    IReadOnlyList<Sequence> OpenPrefixes,
    TimeSpan ProofSkew,
    int VerifiedCacheSize,
    TimeSpan ReplicationTimeout,
    int MaxRevocationsPerSigner)
{
    /// <summary>True when this node trusts at least one issuer, so its modules need tokens.</summary>
    public bool Enforced => Trust.Count > 0;

    /// <summary>Reads <c>promisegrid.security</c>; a bad key or token is a <see cref="ConfigurationException"/> naming the key.</summary>
    public static SecuritySettings Create(Config promisegrid)
    {
        var security = promisegrid.GetConfig("security");
        var trustText = security.GetString("trust") ?? "";
        var trustEntries = SplitList(trustText).ToArray();
        // Set but naming no key (PG_TRUST=',') must not read as "no checks": a security setting
        // that is present but unusable stops the node instead of failing open.
        if (trustText.Length > 0 && trustEntries.Length == 0)
            throw new ConfigurationException(
                $"promisegrid.security.trust (PG_TRUST) is set to '{trustText}' but names no key; leave it empty to check nothing");
        TrustedIssuers trust;
        try
        {
            trust = TrustedIssuers.Parse(trustEntries);
        }
        catch (Exception error) when (error is CapabilityException or IOException or UnauthorizedAccessException or FormatException)
        {
            throw new ConfigurationException($"promisegrid.security.trust (PG_TRUST): {error.Message}");
        }

        CapabilityToken? token = null;
        var tokenText = security.GetString("token")?.Trim() ?? "";
        if (tokenText.Length > 0)
        {
            try
            {
                token = CapabilityToken.Parse(File.Exists(tokenText) ? File.ReadAllText(tokenText) : tokenText);
            }
            catch (Exception error) when (error is CapabilityException or IOException or FormatException)
            {
                throw new ConfigurationException($"promisegrid.security.token (PG_TOKEN): {error.Message}");
            }
        }

        GridKey? key = null;
        var keyPath = security.GetString("key")?.Trim() ?? "";
        if (keyPath.Length > 0)
        {
            try
            {
                key = GridKey.Load(keyPath);
            }
            catch (Exception error) when (error is CapabilityException or IOException or FormatException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"promisegrid.security.key (PG_KEY): {error.Message}");
            }
            if (!key.HasPrivateKey)
                throw new ConfigurationException("promisegrid.security.key (PG_KEY) must be a private key (PEM), to sign holder proofs");
        }
        if (token?.Leaf.Holder is { } holder && (key is null || !key.PublicKey.AsSpan().SequenceEqual(holder)))
            throw new ConfigurationException(
                "promisegrid.security.token (PG_TOKEN) is bound to a holder key: set promisegrid.security.key (PG_KEY) to that key's private PEM");

        // A node that checks tokens and carries one of its own must be able to use it: a token its
        // own trust refuses would fail every call its modules make, so it is refused at start.
        if (token is not null && trust.Count > 0)
        {
            try
            {
                var verified = token.Verify(trust);
                if (verified.Expires <= DateTimeOffset.UtcNow)
                    throw new CapabilityException($"token expired at {verified.Expires:u}");
            }
            catch (CapabilityException error)
            {
                throw new ConfigurationException(
                    $"promisegrid.security.token (PG_TOKEN) does not verify against this node's own trust (PG_TRUST): {error.Message}");
            }
        }

        var open = security.GetStringList("open-prefixes").Select(SequenceText.Parse).ToArray();
        var settings = new SecuritySettings(trust, token, key, open,
            security.GetTimeSpan("proof-skew"), security.GetInt("verified-cache-size"), security.GetTimeSpan("replication-timeout"),
            security.GetInt("max-revocations-per-signer"));
        if (settings.ProofSkew <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.security.proof-skew must be positive");
        if (settings.VerifiedCacheSize <= 0) throw new ConfigurationException("promisegrid.security.verified-cache-size must be positive");
        if (settings.ReplicationTimeout <= TimeSpan.Zero) throw new ConfigurationException("promisegrid.security.replication-timeout must be positive");
        if (settings.MaxRevocationsPerSigner <= 0)
            throw new ConfigurationException(
                $"promisegrid.security.max-revocations-per-signer must be positive, got {settings.MaxRevocationsPerSigner}");
        return settings;
    }

    private static IEnumerable<string> SplitList(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
