using System.Collections.Concurrent;
using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Core.Capabilities;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Internal;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Security;

/// <summary>
/// The check a node makes before one of its modules sees a request (docs/architecture.md#capabilities-and-security): when the node
/// trusts issuers, the request must carry a token that chains to one of them, is not revoked,
/// is valid now, covers the sequence, and, when bound to a holder, comes with that holder's
/// fresh proof over this very sequence.
/// </summary>
/// <remarks>
/// Cost on the hot path: a token's signatures are verified once and the result is cached by
/// the token's bytes; a cached token costs a hash of its bytes (or nothing, when a module sees
/// the same token instance again, see <see cref="Modules.ModuleActor"/>), a check against the revocation
/// list only after that list changed, and two time comparisons and a prefix comparison.
/// A holder-bound token costs one signature verification per request (the proof) on top.
/// </remarks>
public sealed class CapabilityGuard
{
    private readonly SecuritySettings _settings;
    private readonly Sequence[] _openPrefixes;
    private readonly ConcurrentDictionary<byte[], VerifiedToken> _verified = new(ByteContentComparer.Instance);
    private readonly ConcurrentDictionary<byte[], VerifiedToken>.AlternateLookup<ReadOnlySpan<byte>> _verifiedBySpan;

    /// <param name="settings">The node's security settings.</param>
    /// <param name="awaitsReplicatedRevocations">
    /// True on a cluster node: it refuses tokens until its <see cref="SecurityReplicator"/> has read
    /// the revocations its replicator holds (loaded from disk at start), so a restarted node
    /// never serves a revoked token in the moment before it knows.
    /// </param>
    internal CapabilityGuard(SecuritySettings settings, bool awaitsReplicatedRevocations = false)
    {
        _settings = settings;
        _revocationsLoaded = !awaitsReplicatedRevocations;
        _openPrefixes = [.. settings.OpenPrefixes];
        _verifiedBySpan = _verified.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public SecuritySettings Settings => _settings;

    /// <summary>True when this node trusts issuers and so checks every request to its modules.</summary>
    public bool Enforced => _settings.Enforced;

    internal RevocationList Revoked { get; } = new();

    private volatile bool _revocationsLoaded;

    /// <summary>False on a cluster node until it has read the replicated (and stored) revocations; tokens are refused until then.</summary>
    internal bool RevocationsAreLoaded => _revocationsLoaded;

    internal void RevocationsLoaded() => _revocationsLoaded = true;

    internal NonceBook Nonces { get; } = new();

    /// <summary>Tokens verified so far and still cached.</summary>
    public int CachedTokens => _verified.Count;

    /// <summary>The actor that replicates revocations and nonces; set once the grid client starts.</summary>
    internal IActorRef Replicator { get; set; } = ActorRefs.Nobody;

    /// <summary>Checks one request. <paramref name="cached"/> lets a caller skip the cache lookup when it sees the same token again.</summary>
    internal GuardVerdict Check(Complete request, ref VerifiedToken? cached)
    {
        if (!_settings.Enforced) return GuardVerdict.Allowed;
        var sequence = request.Sequence.Span;
        foreach (var open in _openPrefixes) // an array: a foreach over the list interface would allocate per request
            if (sequence.StartsWith(open.Span)) return GuardVerdict.Allowed;

        var capability = request.Capability;
        if (capability is null || capability.Token.IsEmpty)
            return GuardVerdict.Denied($"no capability token: this node serves '{request.Sequence.ToString(48)}' only to holders of a token " +
                                       "from an issuer it trusts (HTTP: Authorization: Grid <token>)");

        if (!_revocationsLoaded)
            return GuardVerdict.Denied("this node is still loading its revocation list and serves no token until it has; try again in a moment");

        string? refusal = null;
        var token = cached is not null && cached.Source.Equals(capability.Token) ? cached : Lookup(capability.Token, out refusal);
        if (token is null) return GuardVerdict.Denied(refusal!);
        cached = token;
        // (Remote requests arrive in arrays of their own, so they take the lookup by content.)

        var revokedReason = token.RevokedReason(Revoked);
        if (revokedReason is not null) return GuardVerdict.Denied(revokedReason);

        var nowMs = DeadlineClock.NowUnixMs();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
        var useRefusal = token.Capability.CheckUse(sequence, now);
        if (useRefusal is not null) return GuardVerdict.Denied(useRefusal);

        if (token.Capability.HolderKey is not { } holder) return GuardVerdict.Allowed;
        ProofFacts proof;
        try
        {
            proof = HolderProof.Verify(capability.Proof.Span, holder, sequence, now, _settings.ProofSkew);
        }
        catch (CapabilityException error)
        {
            return GuardVerdict.Denied(error.Reason);
        }
        var expires = proof.IssuedAt.ToUnixTimeMilliseconds() + (long)_settings.ProofSkew.TotalMilliseconds;
        if (!Nonces.TryClaim(proof.NonceKey, expires))
            return GuardVerdict.Denied("replayed nonce: this holder proof was used before; sign a new one for each request");
        return GuardVerdict.AfterNonce(proof.NonceKey, expires);
    }

    /// <summary>
    /// Checks a token presented to read this node's own state (the gateway's dashboard) with the
    /// checks every request gets: chain to a trusted issuer, revocation, validity now. It is not
    /// checked against a sequence: the caller filters what it shows by the token's prefix. A
    /// holder-bound token is refused, since its holder proof signs one sequence per request.
    /// </summary>
    /// <returns>The verified capability, or null with the reason.</returns>
    internal VerifiedCapability? CheckReader(Capability? capability, out string? refusal)
    {
        refusal = null;
        if (capability is null || capability.Token.IsEmpty)
        {
            refusal = "no capability token: this node checks tokens (PG_TRUST); give one (Authorization: Grid <token>)";
            return null;
        }
        if (!_revocationsLoaded)
        {
            refusal = "this node is still loading its revocation list and serves no token until it has; try again in a moment";
            return null;
        }
        var token = Lookup(capability.Token, out refusal);
        if (token is null) return null;
        refusal = token.RevokedReason(Revoked);
        if (refusal is not null) return null;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DeadlineClock.NowUnixMs());
        var verified = token.Capability;
        // Its own prefix is always covered, so this checks the validity window alone, in the words every request gets.
        refusal = verified.CheckUse(verified.Prefix, now);
        if (refusal is null && verified.Holder is not null)
            refusal = "the token is bound to a holder key, whose proof signs one sequence per request; the dashboard takes a bearer token (pgrid token attenuate without --holder)";
        return refusal is null ? verified : null;
    }

    /// <summary>The verified token for these bytes, from the cache or verified now; null with the reason when refused.</summary>
    private VerifiedToken? Lookup(ReadOnlyMemory<byte> bytes, out string? refusal)
    {
        refusal = null;
        if (_verifiedBySpan.TryGetValue(bytes.Span, out var known)) return known;
        VerifiedCapability capability;
        try
        {
            capability = CapabilityToken.Verify(bytes.Span, _settings.Trust);
        }
        catch (CapabilityException error)
        {
            // Refusals are not cached: a flood of bad tokens must not push good ones out.
            refusal = "token refused: " + error.Reason;
            return null;
        }
        if (_verified.Count >= _settings.VerifiedCacheSize) _verified.Clear();
        var verified = new VerifiedToken(capability, bytes);
        _verifiedBySpan.TryAdd(bytes.Span, verified);
        return verified;
    }

    /// <summary>
    /// Checks a revocation statement against this node's trusted issuers and records it on
    /// every node; the revoked link and every chain below it are refused from then on, until the
    /// link expires (when they are refused as expired, and the revocation is forgotten).
    /// </summary>
    /// <exception cref="CapabilityException">
    /// The statement is not valid here, names a link that has already expired, or its signer is at
    /// <c>promisegrid.security.max-revocations-per-signer</c>.
    /// </exception>
    internal async Task<RevokedLink> RevokeAsync(ReadOnlyMemory<byte> statement)
    {
        if (!_settings.Enforced)
            throw new CapabilityException("this node trusts no issuers (PG_TRUST is empty), so it cannot check a revocation");
        var revoked = RevocationStatement.Verify(statement.Span, _settings.Trust);
        // An expired link is refused anyway; recording it would only grow the set.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DeadlineClock.NowUnixMs());
        if (revoked.LinkExpires <= now)
            throw new CapabilityException(
                $"link {revoked.HashHex[..16]}… expired at {revoked.LinkExpires:u}: every token through it is refused as expired already, so there is nothing to revoke");
        var entry = new RevocationEntry(revoked.HashHex, revoked.SignerText, revoked.LinkExpires.ToUnixTimeMilliseconds());
        var answer = await Replicator.Ask(new SecurityReplicator.RevokeLink(entry),
            _settings.ReplicationTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        if (answer is SecurityReplicator.RevocationRefused refused) throw new CapabilityException(refused.Reason);
        return revoked;
    }

    /// <summary>
    /// Records the nonce on every node: true once they have it (or the replication timeout
    /// passed: the write stands locally and spreads by gossip); false when this node's replica
    /// already held it, i.e. another node accepted the same proof first.
    /// </summary>
    internal async Task<bool> ReplicateNonceAsync(string nonceKey, long expiresUnixMs)
    {
        var answer = await Replicator.Ask(new SecurityReplicator.ClaimNonce(nonceKey, expiresUnixMs),
            _settings.ReplicationTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        return answer is not SecurityReplicator.NonceReplayed;
    }

    /// <summary>
    /// The capability this node presents for its own requests: its token, with a fresh holder
    /// proof over <paramref name="sequence"/> when the token is holder-bound; null when it has none.
    /// </summary>
    internal Capability? OwnCapabilityFor(Sequence sequence)
    {
        if (_settings.OwnToken is not { } token) return null;
        if (token.Leaf.Holder is null) return _ownBearer ??= new Capability(token.Encoded);
        return new Capability(token.Encoded, HolderProof.Create(_settings.OwnKey!, sequence.Span, DateTimeOffset.UtcNow));
    }

    private Capability? _ownBearer;
}
