using System.Text;

namespace PromiseGrid.Kernel.Tests;

internal static class Utf8
{
    public static Sequence Of(string text) => Sequence.FromUtf8(text);
    public static string From(Sequence bytes) => Encoding.UTF8.GetString(bytes.Span);
}

/// <summary><c>e/</c>: completes with the rest after the prefix.</summary>
public sealed class EchoTestModule() : ModuleActor("echo-test", "e/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(request.Rest);
}

/// <summary>Two nested prefixes; answers <c>PrefixLength|Prefix|Rest</c>.</summary>
public sealed class PrefixReportModule() : ModuleActor("prefixes", "p/", "p/long/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
        new(Utf8.Of($"{request.PrefixLength}|{Utf8.From(request.Prefix)}|{Utf8.From(request.Rest)}"));
}

/// <summary>
/// <c>t/throw</c> throws at once, <c>t/async-throw</c> after an await; anything else answers
/// <c>ok:rest#n</c>, n counting every request this actor instance has seen (a restart would reset it).
/// </summary>
public sealed class ThrowingModule() : ModuleActor("thrower", "t/")
{
    private int _seen;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var count = ++_seen;
        var rest = Utf8.From(request.Rest);
        if (rest == "throw") throw new InvalidOperationException("boom at once");
        if (rest == "async-throw") return ThrowLater();
        return new(Utf8.Of($"ok:{rest}#{count}"));
    }

    private static async ValueTask<Sequence> ThrowLater()
    {
        await Task.Yield();
        throw new ArgumentException("boom later");
    }
}

/// <summary><c>async/</c>: completes after a real asynchronous wait.</summary>
public sealed class AsyncModule() : ModuleActor("async", "async/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        await Task.Yield();
        await Task.Delay(10);
        return Utf8.Of("async:" + Utf8.From(request.Rest));
    }
}

/// <summary>
/// <c>hang/</c>: waits on its deadline token and never answers before it. Tells the observer
/// "started" when a request arrives and "cancelled" when the request's token fires.
/// </summary>
public sealed class HangModule(IActorRef observer) : ModuleActor("hang", "hang/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var token = request.Cancellation;
        token.Register(() => observer.Tell("cancelled"));
        observer.Tell("started");
        await Task.Delay(Timeout.Infinite, token);
        return Sequence.Empty;
    }
}

/// <summary><c>silent/</c>: returns a task that never completes and ignores its deadline.</summary>
public sealed class SilentModule(IActorRef observer) : ModuleActor("silent", "silent/")
{
    private static readonly TaskCompletionSource<Sequence> Never = new();

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        observer.Tell("started");
        return new(Never.Task);
    }
}

/// <summary><c>relay/</c>: completes its rest as a whole sequence through the grid; answers <c>Status:bytes</c>.</summary>
public sealed class RelayModule() : ModuleActor("relay", "relay/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var inner = await request.Grid.CompleteAsync(request.Rest, request.Remaining);
        return Utf8.Of($"{inner.Status}:{Utf8.From(inner.Bytes)}");
    }
}

/// <summary><c>dl/</c>: reports whether the request's token is already cancelled and the time left.</summary>
public sealed class DeadlineReportModule() : ModuleActor("deadline", "dl/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) =>
        new(Utf8.Of(request.Cancellation.IsCancellationRequested ? $"cancelled:{request.Remaining.Ticks}" : "live"));
}

/// <summary><c>giveup/</c>: checks its deadline token synchronously and gives up when it has fired.</summary>
public sealed class GiveUpModule() : ModuleActor("giveup", "giveup/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        request.Cancellation.ThrowIfCancellationRequested();
        return new(request.Rest);
    }
}

/// <summary>Registers a prefix over the default limit of 1024 bytes, so the kernel refuses it.</summary>
public sealed class OverlongPrefixModule() : ModuleActor("overlong", new string('x', 1025))
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(Sequence.Empty);
}

/// <summary>Names no prefix: the constructor must refuse it.</summary>
public sealed class NoPrefixModule() : ModuleActor("none", Array.Empty<string>())
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(Sequence.Empty);
}

/// <summary>A pure module, so its routes carry the flag.</summary>
public sealed class PureModule() : ModuleActor("pure-one", "pure/")
{
    protected override bool Pure => true;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(request.Rest);
}

/// <summary>
/// Stands for an actor on another node: its path carries a remote address, and whatever is
/// told to it goes to <paramref name="target"/> with the sender kept.
/// </summary>
public sealed class FakeRemoteRef(ActorPath path, IActorRefProvider provider, IActorRef target) : MinimalActorRef
{
    public override ActorPath Path => path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender) => target.Tell(message, sender);
}

/// <summary><c>hops/</c>: answers the hops of the request it serves.</summary>
public sealed class HopsReportModule() : ModuleActor("hops", "hops/")
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(Utf8.Of(request.Hops.ToString()));
}

/// <summary>
/// <c>loop/</c>: completes its own whole sequence again, from a thread-pool task after an await
/// (so the nesting must flow with the execution context), for ever; the innermost refusal comes
/// back up as <c>hops:status:reason</c>.
/// </summary>
public sealed class SelfCallingModule() : ModuleActor("loop", "loop/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        await Task.Yield();
        var inner = await Task.Run(() => request.Grid.CompleteAsync(request.Sequence, request.Remaining));
        return inner.IsCompleted ? inner.Bytes : Utf8.Of($"{request.Hops}:{inner.Status}:{inner.Reason}");
    }
}

/// <summary>
/// <c>parts/TEXT</c>: sends each byte of TEXT as a part from a worker thread, then completes with
/// <c>TEXT</c> followed by <c>|streamed</c> or <c>|whole</c>, as the requester asked.
/// </summary>
public sealed class StreamingModule() : ModuleActor("parts", "parts/")
{
    protected override async ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var rest = request.Rest;
        await Task.Run(() =>
        {
            for (var i = 0; i < rest.Length; i++) request.SendPart(rest.Slice(i, 1));
        });
        return rest.Concat(Utf8.Of(request.IsStreamed ? "|streamed" : "|whole"));
    }
}

/// <summary>
/// <c>count/</c>: a counter whose every change happens after asynchronous work, through
/// ReenterAfter. <c>add</c> asks the grid for <c>e/1</c> (an <see cref="EchoTestModule"/>), adds
/// the length of the answer, one, once it arrives on another thread, and answers the new count; <c>async-add</c> does the same with an asynchronous continuation; <c>get</c> answers the
/// count at once; <c>fail-task</c> and <c>fail-continuation</c> fail in the task or in the
/// continuation; <c>hang</c> waits on a task that ends only when the deadline token cancels it.
/// </summary>
public sealed class CounterModule() : ModuleActor("counter", "count/")
{
    private static readonly Sequence One = Utf8.Of("e/1");
    private int _count;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => Utf8.From(request.Rest) switch
    {
        "add" => ReenterAfter(request.Grid.CompleteAsync(One), echoed => Add(echoed.Bytes.Length)),
        "async-add" => ReenterAfter(request.Grid.CompleteAsync(One), async echoed =>
        {
            var count = Add(echoed.Bytes.Length);
            await Task.Yield();
            return count;
        }),
        "get" => new(Utf8.Of(_count.ToString())),
        "fail-task" => ReenterAfter(Task.FromException<int>(new InvalidOperationException("lookup failed")), Add),
        "fail-continuation" => ReenterAfter(request.Grid.CompleteAsync(One), Sequence (_) => throw new ArgumentException("continuation failed")),
        "hang" => ReenterAfter(Task.Delay(Timeout.Infinite, request.Cancellation).ContinueWith(t => { t.GetAwaiter().GetResult(); return 1; }), Add),
        _ => throw new CompletionRefusedException(CompletionStatus.BadRequest, "unknown counter operation"),
    };

    /// <summary>A read-modify-write of actor state, with the actor's context in hand: only safe on the actor's thread.</summary>
    private Sequence Add(int n)
    {
        _ = Context.Self; // throws off the actor's thread: the continuation must have been reentered
        var before = _count;
        _count = before + n;
        return Utf8.Of(_count.ToString());
    }
}
