using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;
using PromiseGrid.Core;
using PromiseGrid.Kernel;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Bench.Micro;

/// <summary>
/// Round trip of a <see cref="Complete"/> through the kernel serializer as Akka.Remote uses
/// it: <c>ToBinary</c>, then <c>FromBinary</c> with the manifest, for 16 B, 1 KiB and 64 KiB
/// sequences.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SerializerBenchmarks
{
    private ActorSystem? _system;
    private SerializerWithStringManifest _serializer = null!;
    private Complete _message = null!;

    [Params(16, 1024, 65536)]
    public int SequenceBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = ConfigurationFactory.ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(GridSettings.WithGridDefaults(ConfigurationFactory.Empty));
        _system = ActorSystem.Create("serializer-bench", config);
        var bytes = new byte[SequenceBytes];
        new Random(20240604).NextBytes(bytes);
        _message = new Complete(42, new Sequence(bytes), DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds());
        _serializer = _system.Serialization.FindSerializerFor(_message) as SerializerWithStringManifest
            ?? throw new InvalidOperationException("Complete is not bound to a string-manifest serializer");
        var back = (Complete)RoundTrip();
        if (back.Id != _message.Id || !back.Sequence.Equals(_message.Sequence))
            throw new InvalidOperationException($"{_serializer.GetType().Name} does not round-trip a Complete");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _system?.Terminate().Wait(TimeSpan.FromSeconds(10));
        _system?.Dispose();
        _system = null;
    }

    [Benchmark]
    public object RoundTrip()
    {
        var bytes = _serializer.ToBinary(_message);
        return _serializer.FromBinary(bytes, _serializer.Manifest(_message));
    }
}
