using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Kernel.Modules;

/// <summary>
/// One request as a module sees it: the whole sequence, the prefix of this module it matched,
/// and the rest after it; the deadline, as a token that cancels when it passes; and the grid,
/// to complete other sequences on the way (traffic between modules is byte sequences too).
/// </summary>
public sealed class CompletionRequest : IDisposable
{
    private CancellationTokenSource? _deadlineSource;
    private volatile IActorRef? _streamTo;

    internal CompletionRequest(IGrid grid)
    {
        Grid = grid;
    }

    /// <summary>
    /// Points this instance at a new request. A module reuses one instance for requests it
    /// completes synchronously (the hot path allocates no request object), so a module must
    /// not keep a request after its completion is returned.
    /// </summary>
    internal CompletionRequest Reset(long id, Sequence sequence, int prefixLength, DateTimeOffset deadline, int hops = 0,
        IActorRef? streamTo = null)
    {
        Id = id;
        Hops = hops;
        _streamTo = streamTo;
        Sequence = sequence;
        PrefixLength = prefixLength;
        Deadline = deadline;
        return this;
    }

    public long Id { get; private set; }

    /// <summary>
    /// How deeply this request is nested (0: from outside the grid). Completions the module asks
    /// for while serving it carry one more, by themselves (<c>promisegrid.max-hops</c>).
    /// </summary>
    public int Hops { get; private set; }

    /// <summary>The whole sequence as the requester sent it.</summary>
    public Sequence Sequence { get; private set; }

    /// <summary>Length of the module prefix this request matched.</summary>
    public int PrefixLength { get; private set; }

    /// <summary>The module prefix this request matched.</summary>
    public Sequence Prefix => Sequence.Slice(0, PrefixLength);

    /// <summary>The bytes after the matched prefix (no copy).</summary>
    public Sequence Rest => Sequence.Slice(PrefixLength);

    /// <summary>When the requester stops waiting.</summary>
    public DateTimeOffset Deadline { get; private set; }

    /// <summary>Time left until <see cref="Deadline"/> (zero once passed).</summary>
    public TimeSpan Remaining
    {
        get
        {
            var left = Deadline - DateTimeOffset.UtcNow;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Cancelled when the deadline passes. Created on first use, so a module that answers
    /// at once pays nothing for it.
    /// </summary>
    public CancellationToken Cancellation
    {
        get
        {
            if (_deadlineSource is null)
            {
                _deadlineSource = new CancellationTokenSource();
                var left = Remaining;
                if (left == TimeSpan.Zero) _deadlineSource.Cancel();
                else _deadlineSource.CancelAfter(left);
            }
            return _deadlineSource.Token;
        }
    }

    /// <summary>
    /// True once the deadline has passed or its token fired. The token's timer may fire a
    /// fraction of a millisecond before <see cref="Deadline"/>, so both count.
    /// </summary>
    public bool IsPastDeadline => _deadlineSource?.IsCancellationRequested == true || Remaining == TimeSpan.Zero;

    /// <summary>The grid, to complete other sequences from inside this module.</summary>
    public IGrid Grid { get; }

    /// <summary>True when the requester asked for the completion piece by piece (see <see cref="SendPart"/>).</summary>
    public bool IsStreamed => _streamTo is not null;

    /// <summary>
    /// Sends <paramref name="part"/> of the completion to the requester now, ahead of the whole,
    /// when it asked for a stream (otherwise does nothing). The parts, in order, must be a prefix
    /// of the bytes the module finally returns, which still holds all of them. Thread-safe; may be
    /// called from the module's worker threads until the completion is returned, not after.
    /// </summary>
    public void SendPart(Sequence part)
    {
        if (_streamTo is { } requester && !part.IsEmpty) requester.Tell(new CompletionPart(Id, part), ActorRefs.NoSender);
    }

    /// <summary>True when no deadline token was handed out, so the instance can serve the next request.</summary>
    internal bool IsReusable => _deadlineSource is null && _streamTo is null;

    public void Dispose()
    {
        _streamTo = null;
        _deadlineSource?.Dispose();
        _deadlineSource = null;
    }
}
