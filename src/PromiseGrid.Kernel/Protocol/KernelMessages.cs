using System.Collections.Immutable;
using System.Diagnostics;
using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Protocol;

// All kernel protocol messages live in this one file, so the next engineer (and the
// serializer, whose format is docs/wire.md) sees the whole wire vocabulary at once.

/// <summary>Marks a kernel protocol message; the kernel's serializer binds to this interface.</summary>
internal interface IKernelMessage;

/// <summary>
/// Ask the grid to complete <paramref name="Sequence"/>. Sent to the router, which forwards
/// the same message to the chosen module, local or on another node; the module replies with a
/// <see cref="Completion"/> straight to the original sender. <paramref name="DeadlineUnixMs"/> is when the requester
/// stops waiting (Unix epoch milliseconds), so a module can give up in time.
/// <paramref name="Capability"/> is the requester's promise token, checked by the node that
/// hosts the module when that node trusts issuers (docs/architecture.md#capabilities-and-security); null when the requester has none.
/// <paramref name="Hops"/> is how deeply the request is nested: 0 from outside the grid, and one
/// more than the request being served when a module completes a sequence on its way (set by
/// <c>IGrid.CompleteAsync</c> itself). The router refuses a request past
/// <c>promisegrid.max-hops</c> with <see cref="CompletionStatus.TooDeep"/>, so a module that calls
/// itself ends with an error rather than running until the grid is full.
/// <paramref name="Stream"/>: the requester takes <see cref="CompletionPart"/>s ahead of the
/// completion, from modules that produce their answer piece by piece (say, a GPT writing bytes).
/// <paramref name="Trace"/>: the W3C trace context of the span that sent it (docs/architecture.md#tracing), so
/// the spans of one completion on every node form one trace; <c>default</c> when the request is not traced.
/// It travels only to nodes that read wire format 4 (the router strips it for older ones).
/// </summary>
internal sealed record Complete(long Id, Sequence Sequence, long DeadlineUnixMs, Capability? Capability = null, int Hops = 0,
    bool Stream = false, ActivityContext Trace = default) : IKernelMessage
{
    // Boxed: an ActivityContext is 40 B that every untraced request (the default) would carry
    // as zeros; a reference to a box, null when untraced, is 8 (docs/architecture.md#the-client).
    private readonly TraceBox? _trace = Trace == default ? null : new TraceBox(Trace);

    /// <summary>The W3C trace context of the span that sent the request; <c>default</c> when untraced.</summary>
    public ActivityContext Trace
    {
        get => _trace?.Context ?? default;
        init => _trace = value == default ? null : new TraceBox(value);
    }

    /// <summary>True when the request carries a trace context.</summary>
    public bool IsTraced => _trace is not null && _trace.Context.TraceId != default;

    /// <summary>A trace context on the heap, compared by value so equal requests stay equal.</summary>
    private sealed record TraceBox(ActivityContext Context);

    // Clamped: a deadline off the calendar (say, garbage from the wire) must not make
    // reading or logging the message throw.
    public DateTimeOffset Deadline => DateTimeOffset.FromUnixTimeMilliseconds(
        Math.Clamp(DeadlineUnixMs, DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
}

/// <summary>
/// A capability as it travels with a request: the token (a chain of signed links, see
/// <c>PromiseGrid.Core.Capabilities.CapabilityToken</c>) and, for a holder-bound token, the
/// holder's proof over this request's sequence (empty for a bearer token).
/// </summary>
/// <remarks>The same instance may ride on many requests: checking nodes cache by the token's bytes.</remarks>
public sealed record Capability(ReadOnlyMemory<byte> Token, ReadOnlyMemory<byte> Proof)
{
    public Capability(ReadOnlyMemory<byte> token) : this(token, ReadOnlyMemory<byte>.Empty) { }

    public bool HasProof => !Proof.IsEmpty;

    // Value equality over the bytes (ReadOnlyMemory compares by reference), so round trips compare equal.
    public bool Equals(Capability? other) =>
        other is not null && Token.Span.SequenceEqual(other.Token.Span) && Proof.Span.SequenceEqual(other.Proof.Span);

    public override int GetHashCode() => HashCode.Combine(Token.Length, Proof.Length);
}

/// <summary>The answer to a <see cref="Complete"/> with the same <paramref name="Id"/>.</summary>
/// <param name="Provider">Who answered: <c>module@node</c>, or <c>router@node</c> for router refusals.</param>
/// <param name="Reason">Why, for every status except <see cref="CompletionStatus.Completed"/>.</param>
public sealed record Completion(long Id, CompletionStatus Status, Sequence Bytes, string Provider, string? Reason) : IKernelMessage
{
    public bool IsCompleted => Status == CompletionStatus.Completed;

    public static Completion Kept(long id, Sequence bytes, string provider) =>
        new(id, CompletionStatus.Completed, bytes, provider, null);

    public static Completion Failed(long id, CompletionStatus status, string provider, string reason) =>
        new(id, status, Sequence.Empty, provider, reason);
}

/// <summary>
/// A piece of the completion of request <paramref name="Id"/>, sent ahead of it to a requester that
/// asked for a stream (<see cref="Complete.Stream"/>). The parts, in order, are a prefix of the
/// completion's bytes, and the <see cref="Completion"/> that ends the request still carries all of
/// them: a requester may ignore parts, and a cache or a ledger never sees them.
/// </summary>
internal sealed record CompletionPart(long Id, Sequence Bytes) : IKernelMessage;

/// <summary>What a module promises: to complete sequences starting with <paramref name="Prefix"/>.</summary>
/// <param name="Pure">Same sequence, same completion: a cache may answer for the module.</param>
internal sealed record RouteSpec(Sequence Prefix, string Module, bool Pure = false);

/// <summary>Register the sender as a provider of <see cref="RouteSpec.Prefix"/>. Answered by <see cref="Registered"/> or <see cref="RegistrationRefused"/>.</summary>
internal sealed record Register(RouteSpec Route) : IKernelMessage;

/// <summary>The route is in the router's table and visible to lookups.</summary>
internal sealed record Registered(RouteSpec Route) : IKernelMessage;

/// <summary>The router would not take the route; <paramref name="Reason"/> says why.</summary>
internal sealed record RegistrationRefused(RouteSpec Route, string Reason) : IKernelMessage;

/// <summary>Withdraw the sender's route for <paramref name="Prefix"/>. Answered by <see cref="Unregistered"/>.</summary>
internal sealed record Unregister(Sequence Prefix) : IKernelMessage;

/// <summary>The sender's route for <paramref name="Prefix"/> is gone (<paramref name="Existed"/> false if there was none).</summary>
internal sealed record Unregistered(Sequence Prefix, bool Existed) : IKernelMessage;

/// <summary>One route as it crosses the wire: the provider is named by its actor path and resolved on each node.</summary>
internal sealed record RouteEntry(Sequence Prefix, string Module, string ProviderPath, bool Pure);

/// <summary>
/// Every route of one node incarnation: the value each node's router writes under its own address in
/// the replicated route table. <paramref name="Incarnation"/> is the node's cluster UID, so a
/// restarted node's routes are told apart from those of the process it replaced.
/// </summary>
internal sealed record NodeRoutes(string Node, long Incarnation, ImmutableArray<RouteEntry> Routes) : IKernelMessage
{
    public bool Equals(NodeRoutes? other) =>
        other is not null && Node == other.Node && Incarnation == other.Incarnation && Routes.SequenceEqual(other.Routes);

    public override int GetHashCode() => HashCode.Combine(Node, Incarnation, Routes.Length);
}

/// <summary>
/// Local only: the node is about to leave, so the router withdraws its routes from the
/// replicated table (other nodes stop routing here) and answers <see cref="Akka.Done"/>.
/// </summary>
internal sealed class WithdrawRoutes
{
    public static readonly WithdrawRoutes Instance = new();
    private WithdrawRoutes() { }
}
