using System.Collections.Concurrent;
using Akka.Actor;
using PromiseGrid.Core;

namespace PromiseGrid.TestKit;

/// <summary>
/// A stub serving one prefix in a <see cref="GridTestKit"/>: what it answers, and every sequence
/// it was sent, so a test can assert what the module under test asked the grid for.
/// </summary>
public sealed class PrefixStub
{
    private readonly Func<Sequence, Sequence> _answer;
    private readonly ConcurrentQueue<Sequence> _received = new();

    internal PrefixStub(Sequence prefix, Func<Sequence, Sequence> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        Prefix = prefix;
        _answer = answer;
    }

    /// <summary>The prefix the stub serves.</summary>
    public Sequence Prefix { get; }

    /// <summary>The stub's module actor: stop it to take the prefix away again.</summary>
    public IActorRef Module { get; internal set; } = ActorRefs.Nobody;

    /// <summary>Every whole sequence the stub was sent, in the order it was sent.</summary>
    public IReadOnlyList<Sequence> Received => _received.ToArray();

    /// <summary>Records <paramref name="sequence"/> (a copy: the stub may keep it) and answers it.</summary>
    internal Sequence Answer(Sequence sequence)
    {
        _received.Enqueue(Sequence.CopyOf(sequence.Span));
        return _answer(sequence);
    }
}
