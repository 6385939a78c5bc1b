using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Caching;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Protocol;
using PromiseGrid.Kernel.Security;
using PromiseGrid.Kernel.Tracing;

namespace PromiseGrid.Kernel.Modules;

/// <summary>
/// Base class of every module: an actor that promises to complete sequences under its
/// prefixes. Derive, name the module and its prefixes in the constructor, and implement
/// <see cref="CompleteAsync"/>:
/// <code>
/// public sealed class UpperModule() : ModuleActor("upper", "upper/")
/// {
///     protected override ValueTask&lt;Sequence&gt; CompleteAsync(CompletionRequest request) =>
///         ValueTask.FromResult(Sequence.FromUtf8(Encoding.UTF8.GetString(request.Rest.Span).ToUpperInvariant()));
/// }
/// </code>
/// </summary>
/// <remarks>
/// <para>The module registers its prefixes with the router when it starts; its routes go away
/// when it stops. The reply goes straight to the requester, not back through the router.</para>
/// <para>A module that throws answers <see cref="CompletionStatus.ModuleFailed"/> with the
/// exception's message for that request and goes on serving: the actor is not restarted.
/// Throw <see cref="CompletionRefusedException"/> to answer another status (NoRoute, Denied...).</para>
/// <para>When the node trusts issuers (<c>PG_TRUST</c>), every request is checked against its
/// capability before <see cref="CompleteAsync"/> sees it (docs/architecture.md#capabilities-and-security); a refused request is
/// answered <see cref="CompletionStatus.Denied"/> with the reason.</para>
/// <para>A request object is reused for the next request once its completion has been returned
/// synchronously: read what you need from it while completing, do not keep it.</para>
/// <para>Concurrency: <see cref="CompleteAsync"/> is called on the actor's thread, one request
/// at a time, but an asynchronous completion runs on after the call returns, so several may
/// be in flight at once. Code after an <c>await</c> runs on some other thread, concurrently
/// with the actor: it must not touch the actor's mutable state, <c>Sender</c> or <c>Context</c>.
/// To use state once asynchronous work is done, start the work and return
/// <see cref="ReenterAfter{T}(Task{T}, Func{T, Sequence})"/>: its continuation runs back on the
/// actor's thread, as one of its messages.
/// <code>
/// protected override ValueTask&lt;Sequence&gt; CompleteAsync(CompletionRequest request) =>
///     ReenterAfter(request.Grid.CompleteAsync(request.Rest), found =>
///     {
///         _answers++; // actor state: safe here, on the actor's thread
///         return found.Bytes;
///     });
/// </code></para>
/// </remarks>
public abstract class ModuleActor : UntypedActor
{
    private readonly Sequence[] _prefixes;
    private int _registered;
    private CompletionRequest? _spare;

    // The request handed to CompleteAsync through ExecutionContext.Run, and what it returned:
    // fields rather than a closure, so serving a request allocates nothing.
    private CompletionRequest? _serving;
    private ValueTask<Sequence> _served;
    private static readonly ContextCallback ServeInContext = state =>
    {
        var module = (ModuleActor)state!;
        // The module's span is Activity.Current while it runs, and in every continuation the
        // module's awaits and ReenterAfter capture: its grid calls become its children.
        if (module._servingSpan is { } span) Activity.Current = span;
        module._served = module.CompleteAsync(module._serving!);
    };
    private Activity? _servingSpan;
    private string? _spanName;
    private readonly IActorRef _router;
    private readonly CapabilityGuard _guard;
    private readonly CompletionCache _cache;
    private bool[] _pure = [];
    private VerifiedToken? _lastToken;
    private List<IActorRef>? _registrationWaiters;
    private readonly IActorRef _self;

    /// <param name="name">The module's name, as logs and route listings show it.</param>
    /// <param name="prefixes">The prefixes served, in text notation (<c>echo/</c>, <c>k\x00</c>).</param>
    protected ModuleActor(string name, params string[] prefixes)
        : this(name, prefixes.Select(SequenceText.Parse))
    {
    }

    protected ModuleActor(string name, IEnumerable<Sequence> prefixes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ModuleName = name;
        _prefixes = prefixes.ToArray();
        if (_prefixes.Length == 0) throw new ArgumentException($"module '{name}' serves no prefix", nameof(prefixes));
        var runtime = Client.Grid.GetRuntime(Context.System);
        Grid = runtime;
        _router = runtime.Router;
        _guard = runtime.Security;
        _cache = runtime.Cache;
        Log = Context.GetLogger();
        _self = Self; // for ReenterAfter, which may be called off the actor's thread
        var address = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        ProviderName = $"{name}@{address}";
    }

    public string ModuleName { get; }

    /// <summary><c>module@node</c>, as completions and logs name this provider.</summary>
    public string ProviderName { get; }

    public IReadOnlyList<Sequence> Prefixes => _prefixes;

    /// <summary>True once the router has acknowledged every prefix.</summary>
    public bool IsRegistered => _registered == _prefixes.Length;

    /// <summary>The grid, to complete other sequences from this module (also <see cref="CompletionRequest.Grid"/>).</summary>
    protected IGrid Grid { get; }

    protected ILoggingAdapter Log { get; }

    /// <summary>Pure modules give the same completion for the same sequence, so a cache may answer for them.</summary>
    protected virtual bool Pure => false;

    /// <summary>Whether the route for <paramref name="prefix"/> is pure; by default <see cref="Pure"/> for every prefix.</summary>
    protected virtual bool IsPure(Sequence prefix) => Pure;

    /// <summary>Turns one request into its completion bytes; throw to fail just this request.</summary>
    protected abstract ValueTask<Sequence> CompleteAsync(CompletionRequest request);

    /// <summary>
    /// Completes a request once <paramref name="task"/> has finished, with what
    /// <paramref name="continuation"/> makes of its result; the continuation runs on the actor's
    /// thread, delivered as a message to the module itself, so it may read and change the actor's
    /// state like any message handler. Return it from <see cref="CompleteAsync"/>.
    /// </summary>
    /// <remarks>
    /// If <paramref name="task"/> fails, the continuation does not run and the request fails as a
    /// thrown exception would (ModuleFailed; BrokenPromise for a cancellation at the deadline); so
    /// does an exception from the continuation. The request's deadline holds as for any
    /// asynchronous completion.
    /// </remarks>
    protected ValueTask<Sequence> ReenterAfter<T>(Task<T> task, Func<T, Sequence> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return ReenterAfter(task, value => new ValueTask<Sequence>(continuation(value)));
    }

    /// <summary>
    /// As <see cref="ReenterAfter{T}(Task{T}, Func{T, Sequence})"/> with an asynchronous
    /// continuation: it runs on the actor's thread up to its first <c>await</c> only; after that,
    /// the same rule as in <see cref="CompleteAsync"/> holds (reenter again to touch state).
    /// </summary>
    protected ValueTask<Sequence> ReenterAfter<T>(Task<T> task, Func<T, ValueTask<Sequence>> continuation)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(continuation);
        var result = new TaskCompletionSource<Sequence>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reentry = new Reentry<T>(task, continuation, ExecutionContext.Capture(), result);
        task.ContinueWith(static (_, state) =>
        {
            var (self, message) = ((IActorRef, Reentry))state!;
            self.Tell(message, ActorRefs.NoSender);
        }, (_self, (Reentry)reentry), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new ValueTask<Sequence>(result.Task);
    }

    /// <summary>Messages other than the kernel protocol's; unhandled by default.</summary>
    protected virtual void OnOtherMessage(object message) => Unhandled(message);

    protected override void PreStart()
    {
        // Asked once, here rather than in the constructor: IsPure is virtual.
        _pure = _cache.Enabled ? _prefixes.Select(IsPure).ToArray() : new bool[_prefixes.Length];
        foreach (var prefix in _prefixes)
            _router.Tell(new Register(new RouteSpec(prefix, ModuleName, IsPure(prefix))), Self);
    }

    protected sealed override void OnReceive(object message)
    {
        switch (message)
        {
            case Complete complete:
                if (_guard.Enforced) Admit(complete, Sender);
                else Serve(complete, Sender);
                break;
            case AdmittedRequest admitted:
                Serve(admitted.Request, Sender);
                break;
            case ReplayedRequest replayed:
                Deny(replayed.Request, Sender, "replayed nonce: this holder proof was used on another node; sign a new one for each request");
                break;
            case Registered registered:
                _registered++;
                Log.Debug("registration acknowledged module={0} prefix={1}", ModuleName, registered.Route.Prefix);
                if (IsRegistered) AnswerRegistrationWaiters(ModuleRegistered.Instance);
                break;
            case RegistrationRefused refused:
                // A module that cannot hold its promise should not pretend to run; stopping
                // (not throwing) avoids a restart loop that would be refused again.
                Log.Error("module stopped module={0} prefix={1} reason=registration-refused: {2}",
                    ModuleName, refused.Route.Prefix.ToString(64), refused.Reason);
                AnswerRegistrationWaiters(new Status.Failure(new InvalidOperationException(
                    $"module '{ModuleName}' was refused prefix '{refused.Route.Prefix.ToString(64)}': {refused.Reason}")));
                Context.Stop(Self);
                break;
            case Reentry reentry:
                reentry.Run();
                break;
            case AwaitRegistration:
                if (IsRegistered) Sender.Tell(ModuleRegistered.Instance);
                else (_registrationWaiters ??= []).Add(Sender);
                break;
            default:
                OnOtherMessage(message);
                break;
        }
    }

    private void AnswerRegistrationWaiters(object answer)
    {
        if (_registrationWaiters is null) return;
        foreach (var waiter in _registrationWaiters) waiter.Tell(answer);
        _registrationWaiters = null;
    }

    /// <summary>The capability check; serves the request now, once its nonce is replicated, or answers Denied.</summary>
    private void Admit(Complete complete, IActorRef requester)
    {
        var verdict = _guard.Check(complete, ref _lastToken);
        switch (verdict.Decision)
        {
            case GuardDecision.Allowed:
                Serve(complete, requester);
                return;
            case GuardDecision.AllowedOnceNonceReplicated:
                // Other nodes learn the nonce before the module runs, so the same proof sent
                // to them next is a replay there too.
                _guard.ReplicateNonceAsync(verdict.NonceKey!, verdict.NonceExpiresUnixMs)
                    .PipeTo(Self, requester, fresh => fresh ? new AdmittedRequest(complete) : new ReplayedRequest(complete),
                        _ => new AdmittedRequest(complete)); // replication unanswered: the local claim stands
                return;
            default:
                Deny(complete, requester, verdict.Reason!);
                return;
        }
    }

    private void Deny(Complete complete, IActorRef requester, string reason)
    {
        Log.Info("request denied id={0} module={1} sequence={2} reason={3}{4}", complete.Id, ModuleName, complete.Sequence.ToString(48), reason,
            Spans.LogPairs(complete.Trace));
        requester.Tell(Completion.Failed(complete.Id, CompletionStatus.Denied, ProviderName, reason));
    }

    private void Serve(Complete complete, IActorRef requester)
    {
        // Only a traced request gets a span (its sampling was decided where it started), so an
        // untraced one costs one check even with tracing on; null too when nobody listens.
        var span = complete.IsTraced
            ? Spans.StartDetached(GridActivitySources.ModuleSource, _spanName ??= $"serve {ModuleName}", ActivityKind.Server, complete.Trace)
            : null;
        span?.SetTag("promisegrid.module", ModuleName).SetTag("promisegrid.request.id", complete.Id);
        var matched = MatchedPrefix(complete.Sequence);
        if (matched < 0)
        {
            span?.SetStatus(ActivityStatusCode.Error).Stop();
            requester.Tell(Completion.Failed(complete.Id, CompletionStatus.ModuleFailed, ProviderName,
                $"module '{ModuleName}' serves no prefix of '{complete.Sequence.ToString(64)}'"));
            return;
        }
        // A pure route's completion may be in the cache (checked after the capability check, so
        // it goes only to requesters this node would serve anyway).
        var pure = _pure[matched];
        if (pure && _cache.TryGet(complete.Sequence, out var cached))
        {
            span?.SetTag("promisegrid.cache", "hit").Stop();
            requester.Tell(Completion.Kept(complete.Id, cached, ProviderName));
            return;
        }
        // Reuse the spare request when the last one completed synchronously; an asynchronous
        // completion keeps its request, so the next one gets a fresh instance.
        var request = (_spare ?? new CompletionRequest(Grid)).Reset(complete.Id, complete.Sequence, _prefixes[matched].Length, complete.Deadline, complete.Hops,
            complete.Stream ? requester : null);
        _spare = null;
        ValueTask<Sequence> pending;
        try
        {
            // Sequences the module completes on its way, now or after an await, go one hop deeper:
            // the module runs in a context that says which request it serves (RequestNesting).
            _serving = request;
            _servingSpan = span;
            ExecutionContext.Run(RequestNesting.ContextServing(complete.Hops), ServeInContext, this);
            pending = _served;
        }
        catch (Exception error)
        {
            requester.Tell(Failure(request, error, span));
            span?.Stop();
            request.Dispose();
            return;
        }
        finally
        {
            _serving = null;
            _servingSpan = null;
            _served = default;
        }
        if (pending.IsCompletedSuccessfully)
        {
            // The common, synchronous case: no task, no continuation, and the request is reused.
            if (request.IsReusable) _spare = request;
            else request.Dispose();
            if (Log.IsDebugEnabled) Log.Debug("completed id={0} module={1} bytes={2}{3}", complete.Id, ModuleName, pending.Result.Length, Spans.LogPairs(span));
            if (pure) _cache.Add(complete.Sequence, pending.Result);
            span?.Stop();
            requester.Tell(Completion.Kept(complete.Id, pending.Result, ProviderName));
            return;
        }
        _ = ReplyWhenDone(pending, request, requester, pure ? complete.Sequence : (Sequence?)null, span);
    }

    /// <param name="cacheAs">The request's sequence when its route is pure: the completion is cached under it.</param>
    /// <param name="span">The module's span, ended with the reply.</param>
    private async Task ReplyWhenDone(ValueTask<Sequence> pending, CompletionRequest request, IActorRef requester, Sequence? cacheAs, Activity? span)
    {
        Completion reply;
        try
        {
            reply = Completion.Kept(request.Id, await pending.ConfigureAwait(false), ProviderName);
            if (cacheAs is { } sequence) _cache.Add(sequence, reply.Bytes);
            if (Log.IsDebugEnabled) Log.Debug("completed id={0} module={1} bytes={2}{3}", request.Id, ModuleName, reply.Bytes.Length, Spans.LogPairs(span));
        }
        catch (Exception error)
        {
            reply = Failure(request, error, span);
        }
        finally
        {
            request.Dispose();
        }
        span?.Stop();
        requester.Tell(reply);
    }

    /// <summary>
    /// A cancellation at the deadline is the deadline passing (a broken promise), not a fault
    /// of the module; anything else the module threw is ModuleFailed.
    /// </summary>
    private Completion Failure(CompletionRequest request, Exception error, Activity? span)
    {
        span?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
        if (error is OperationCanceledException && request.IsPastDeadline)
            return Completion.Failed(request.Id, CompletionStatus.BrokenPromise, ProviderName,
                $"module '{ModuleName}' gave up at the deadline");
        if (error is CompletionRefusedException refused)
            return Completion.Failed(request.Id, refused.Status, ProviderName, refused.Message);
        Log.Warning("module failed module={0} id={1} error={2}: {3}{4}", ModuleName, request.Id, error.GetType().Name, error.Message, Spans.LogPairs(span));
        return Completion.Failed(request.Id, CompletionStatus.ModuleFailed, ProviderName, $"{error.GetType().Name}: {error.Message}");
    }

    /// <summary>The index of the longest of this module's prefixes that starts the sequence, or -1.</summary>
    private int MatchedPrefix(Sequence sequence)
    {
        var best = -1;
        for (var i = 0; i < _prefixes.Length; i++)
            if ((best < 0 || _prefixes[i].Length > _prefixes[best].Length) && sequence.StartsWith(_prefixes[i]))
                best = i;
        return best;
    }
}

/// <summary>A request that passed the capability check after its nonce was replicated; served on the module's thread.</summary>
internal sealed record AdmittedRequest(Complete Request);

/// <summary>A request whose holder-proof nonce another node had already accepted.</summary>
internal sealed record ReplayedRequest(Complete Request);

/// <summary>
/// Asks a module to answer <see cref="ModuleRegistered"/> once the router has acknowledged every
/// one of its prefixes (at once if it already has): how PromiseGrid.TestKit knows a module it
/// started is routable without polling the route table.
/// </summary>
internal sealed class AwaitRegistration
{
    public static readonly AwaitRegistration Instance = new();
    private AwaitRegistration() { }
}

/// <summary>The answer to <see cref="AwaitRegistration"/>.</summary>
internal sealed class ModuleRegistered
{
    public static readonly ModuleRegistered Instance = new();
    private ModuleRegistered() { }
}
