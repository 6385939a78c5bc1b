using Akka.DistributedData;
using Akka.DistributedData.Durable;
using Akka.TestKit.Xunit2;
using PromiseGrid.Kernel.Storage;

namespace PromiseGrid.Kernel.Tests.Storage;

/// <summary>
/// The durable store behind the security keys, through DData's store protocol (LoadAll, Store):
/// what is stored loads back whole, a write the process never finished is ignored, an unreadable
/// file fails the load (the replicator then stops: nothing is served from partial state), and
/// write-behind keys reach the disk when the store stops.
/// </summary>
public sealed class FileDurableStoreTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("pg-durable-store-").FullName;

    public FileDurableStoreTests(ITestOutputHelper output)
        : base(ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(DistributedData.DefaultConfig()), output: output)
    {
    }

    private IActorRef Start() => Sys.ActorOf(FileDurableStore.Props(ConfigurationFactory.ParseString($$"""
        files {
          dir = "{{_dir}}"
          write-behind-keys = ["behind"]
          write-behind-interval = 1h
        }
        """)));

    private static DurableDataEnvelope Envelope(params string[] elements) =>
        new(elements.Aggregate(GSet<string>.Empty, (set, element) => set.Add(element)));

    private async Task<IReadOnlyDictionary<string, DurableDataEnvelope>> LoadAsync(IActorRef store)
    {
        store.Tell(LoadAll.Instance, TestActor);
        var first = await ExpectMsgAsync<object>(Patience);
        if (first is LoadAllCompleted) return new Dictionary<string, DurableDataEnvelope>();
        var data = Assert.IsType<LoadData>(first).Data;
        await ExpectMsgAsync<LoadAllCompleted>(Patience);
        return data;
    }

    private async Task StopAsync(IActorRef store)
    {
        Watch(store);
        Sys.Stop(store);
        await ExpectTerminatedAsync(store, Patience);
    }

    [Fact]
    public async Task What_is_stored_loads_back_and_an_unfinished_write_is_ignored()
    {
        var store = Start();
        Assert.Empty(await LoadAsync(store));
        store.Tell(new Store("revocations", Envelope("a", "b"), new StoreReply("stored", "failed", TestActor)));
        await ExpectMsgAsync("stored", Patience);
        await StopAsync(store);
        var leftover = Path.Combine(_dir, "revocations.ddata.tmp");
        await File.WriteAllBytesAsync(leftover, [1, 2, 3]); // a write cut off before its rename

        var loaded = await LoadAsync(Start());

        var set = Assert.IsType<GSet<string>>(Assert.Single(loaded, e => e.Key == "revocations").Value.Data);
        Assert.Equal(["a", "b"], set.Elements.Order());
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public async Task A_write_behind_key_is_acknowledged_at_once_and_written_when_the_store_stops()
    {
        var store = Start();
        await LoadAsync(store);
        store.Tell(new Store("behind", Envelope("n1"), new StoreReply("stored", "failed", TestActor)));
        await ExpectMsgAsync("stored", Patience);
        Assert.False(File.Exists(Path.Combine(_dir, "behind.ddata"))); // the interval is an hour

        await StopAsync(store);

        var loaded = await LoadAsync(Start());
        Assert.Equal(["n1"], Assert.IsType<GSet<string>>(loaded["behind"].Data).Elements);
    }

    [Fact]
    public async Task An_unreadable_file_fails_the_load()
    {
        await File.WriteAllBytesAsync(Path.Combine(_dir, "revocations.ddata"), [0xde, 0xad, 0xbe, 0xef]);
        var store = Start();

        await EventFilter.Exception<LoadFailedException>().ExpectOneAsync(() =>
        {
            store.Tell(LoadAll.Instance, TestActor);
            return Task.CompletedTask;
        });
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
