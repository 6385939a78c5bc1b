using Akka.Actor;
using Akka.Configuration;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace PromiseGrid.TestKit;

/// <summary>
/// The base of a module's tests: an Akka.TestKit whose actor system runs the grid (router and
/// client) in process, without a cluster.
/// <code>
/// public sealed class UpperModuleTests(ITestOutputHelper output) : GridTestKit(output)
/// {
///     [Fact]
///     public async Task Upper_cases_the_rest()
///     {
///         await StartModuleAsync&lt;UpperModule&gt;();
///         AssertCompleted("ABC", await CompleteAsync("upper/abc"));
///     }
/// }
/// </code>
/// </summary>
/// <remarks>
/// Nothing here sleeps: starting a module waits for the router's acknowledgements, and every
/// wait is bounded by <see cref="Patience"/>, so a hang fails the test instead of stalling it.
/// </remarks>
public abstract class GridTestKit : Akka.TestKit.Xunit2.TestKit
{
    /// <summary>A local actor system (no remoting) that logs warnings and errors.</summary>
    public const string LocalConfig = """
        akka.loglevel = WARNING
        akka.actor.provider = local
        """;

    /// <summary>Long enough for any reply that is due; tests never wait this long when all is well.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    protected GridTestKit(ITestOutputHelper? output = null) : this(LocalConfig, output)
    {
    }

    /// <param name="config">HOCON for the test's actor system, e.g. <see cref="LocalConfig"/> plus <c>promisegrid.*</c> settings.</param>
    protected GridTestKit(string config, ITestOutputHelper? output = null) : this(ConfigurationFactory.ParseString(config), output)
    {
    }

    protected GridTestKit(Config config, ITestOutputHelper? output = null) : base(config, output: output)
    {
    }

    /// <summary>The grid of the test's actor system, as a requester sees it.</summary>
    protected IGrid Grid => Kernel.Client.Grid.Get(Sys);

    /// <summary>Starts <typeparamref name="TModule"/> and waits until the router routes every one of its prefixes to it.</summary>
    protected Task<IActorRef> StartModuleAsync<TModule>() where TModule : ModuleActor, new() =>
        StartModuleAsync(Props.Create<TModule>());

    /// <summary>
    /// Starts the module <paramref name="props"/> makes and waits until the router routes every
    /// one of its prefixes to it; fails if the router refuses one.
    /// </summary>
    protected async Task<IActorRef> StartModuleAsync(Props props)
    {
        _ = Grid; // the router must exist before the module registers
        var module = Sys.ActorOf(props);
        try
        {
            await module.Ask<ModuleRegistered>(AwaitRegistration.Instance, Patience).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new TimeoutException($"{module.Path} did not have its prefixes routed within {Patience.TotalSeconds:0} s: is it a ModuleActor?");
        }
        return module;
    }

    /// <summary>
    /// Serves <paramref name="prefix"/> (text notation) with a stub: a module that answers each
    /// sequence it is sent with <paramref name="answer"/> of the whole sequence, and records it.
    /// Fakes the grid calls of the module under test. Throw
    /// <see cref="CompletionRefusedException"/> from <paramref name="answer"/> to answer another status.
    /// </summary>
    protected async Task<PrefixStub> StubPrefixAsync(string prefix, Func<Sequence, Sequence> answer)
    {
        var stub = new PrefixStub(Sequence.FromText(prefix), answer);
        stub.Module = await StartModuleAsync(Props.Create(() => new StubModule(stub))).ConfigureAwait(false);
        return stub;
    }

    /// <summary>Serves <paramref name="prefix"/> with a stub that completes every sequence with <paramref name="completion"/> (text notation).</summary>
    protected Task<PrefixStub> StubPrefixAsync(string prefix, string completion)
    {
        var bytes = Sequence.FromText(completion);
        return StubPrefixAsync(prefix, _ => bytes);
    }

    /// <summary>Serves <paramref name="prefix"/> with a stub that answers every sequence <paramref name="status"/> with <paramref name="reason"/>.</summary>
    protected Task<PrefixStub> StubPrefixAsync(string prefix, CompletionStatus status, string reason) =>
        StubPrefixAsync(prefix, _ => throw new CompletionRefusedException(status, reason));

    /// <summary>Completes <paramref name="notation"/> (text notation: <c>upper/abc</c>, <c>k\x00</c>).</summary>
    protected Task<Completion> CompleteAsync(string notation, TimeSpan? deadline = null) =>
        CompleteAsync(Sequence.FromText(notation), deadline);

    /// <summary>
    /// Completes <paramref name="sequence"/> through the router, as any requester would. Waits at
    /// most the deadline (the grid's default when null; it answers BrokenPromise then) or, without
    /// one, <see cref="Patience"/>.
    /// </summary>
    protected Task<Completion> CompleteAsync(Sequence sequence, TimeSpan? deadline = null) =>
        Grid.CompleteAsync(sequence, deadline).WaitAsync(deadline is { } given ? given + Patience : Patience);

    /// <summary>Asserts the status, showing the reason and provider when it differs.</summary>
    protected static void AssertStatus(CompletionStatus expected, Completion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        Assert.True(completion.Status == expected,
            $"expected {expected} but got {completion.Status} from {completion.Provider}: {completion.Reason}");
    }

    /// <summary>Asserts the completion was kept with the bytes of <paramref name="expected"/> (text notation).</summary>
    protected static void AssertCompleted(string expected, Completion completion) =>
        AssertCompleted(Sequence.FromText(expected), completion);

    /// <summary>Asserts the completion was kept with exactly <paramref name="expected"/>.</summary>
    protected static void AssertCompleted(Sequence expected, Completion completion)
    {
        AssertStatus(CompletionStatus.Completed, completion);
        if (!expected.Equals(completion.Bytes))
            Assert.Fail($"expected completion '{expected.ToString(256)}' but got '{completion.Bytes.ToString(256)}' from {completion.Provider}");
    }
}
