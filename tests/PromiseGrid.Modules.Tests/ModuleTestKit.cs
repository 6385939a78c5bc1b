using System.Text.Json;
using Akka.TestKit.Xunit2;

namespace PromiseGrid.Modules.Tests;

/// <summary>A TestKit whose system runs the grid (router and client), with helpers to start built-in modules.</summary>
public abstract class ModuleTestKit(string config, ITestOutputHelper output)
    : TestKit(ConfigurationFactory.ParseString(config), output: output)
{
    public const string LocalConfig = """
        akka.loglevel = WARNING
        akka.actor.provider = local
        """;

    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    protected IGrid Grid => PromiseGrid.Kernel.Client.Grid.Get(Sys);

    protected Address SelfAddress => ((ExtendedActorSystem)Sys).Provider.DefaultAddress;

    /// <summary>Starts a module and waits until the router routes every one of its prefixes to it.</summary>
    protected async Task<IActorRef> StartModuleAsync(Props props, params string[] prefixes)
    {
        _ = Grid;
        var module = Sys.ActorOf(props);
        await AwaitAssertAsync(() =>
        {
            foreach (var prefix in prefixes)
                Assert.Contains(Grid.Routes.Snapshot.ValuesOf(Sequence.FromText(prefix).Span), r => r.Provider.Equals(module));
        }, Patience);
        return module;
    }

    protected Task<Completion> CompleteAsync(Sequence sequence) => Grid.CompleteAsync(sequence).WaitAsync(Patience);

    protected Task<Completion> CompleteAsync(string notation) => CompleteAsync(Sequence.FromText(notation));

    protected static void AssertStatus(CompletionStatus expected, Completion completion) =>
        Assert.True(completion.Status == expected,
            $"expected {expected} but got {completion.Status} from {completion.Provider}: {completion.Reason}");

    /// <summary>Parses a completion's bytes as a JSON array.</summary>
    protected static JsonElement[] JsonArray(Completion completion)
    {
        var root = JsonDocument.Parse(completion.Bytes.Memory).RootElement;
        Assert.Equal(JsonValueKind.Array, root.ValueKind);
        return root.EnumerateArray().ToArray();
    }
}
