using System.Diagnostics;
using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Client;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// A closed-loop requester that sends a Complete straight to its node's router with itself as
/// the sender, waits for the Completion (which the module sends straight back), and sends the
/// next. Tell only, no Ask. No real request takes this way (they go through the client,
/// <c>IGrid.CompleteAsync</c>): it serves only the labelled router-and-module-only row of the
/// local mode, which shows what the client layer costs.
/// </summary>
/// <param name="capability">Presented with every request (the same instance, as a client holding a token sends it); null for none.</param>
public sealed class GridRequester(IActorRef router, Sequence sequence, LoadMeter meter, Capability? capability) : UntypedActor
{
    private long _id;
    private long _sentAt;

    protected override void PreStart() => Send();

    protected override void OnReceive(object message)
    {
        if (message is not Completion completion) return;
        meter.Record(_sentAt, completion.IsCompleted);
        if (!meter.Stopped) Send();
    }

    private void Send()
    {
        _sentAt = Stopwatch.GetTimestamp();
        // Deadlines as IGrid computes them: from the timestamp taken for latency anyway.
        router.Tell(new Complete(++_id, sequence, DeadlineClock.UnixMsAt(_sentAt) + 10_000, capability), Self);
    }
}

/// <summary>The baseline's request and reply between two plain actors: an id and the payload.</summary>
public sealed record Ping(long Id, byte[] Payload);

/// <summary>The baseline's reply.</summary>
public sealed record Pong(long Id, byte[] Payload);

/// <summary>Answers every Ping with a Pong and every byte[] with itself: the baseline's responder.</summary>
public sealed class RawEcho : UntypedActor
{
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Ping ping:
                Sender.Tell(new Pong(ping.Id, ping.Payload));
                break;
            case byte[] bytes:
                Sender.Tell(bytes);
                break;
        }
    }
}

/// <summary>The baseline's closed-loop requester: raw Akka request/reply with Tell.</summary>
/// <param name="rawBytes">Send the payload array itself (Akka's built-in byte[] serializer, for remote) instead of a Ping record.</param>
public sealed class RawRequester(IActorRef echo, byte[] payload, bool rawBytes, LoadMeter meter) : UntypedActor
{
    private long _id;
    private long _sentAt;

    protected override void PreStart() => Send();

    protected override void OnReceive(object message)
    {
        if (message is not (Pong or byte[])) return;
        meter.Record(_sentAt, true);
        if (!meter.Stopped) Send();
    }

    private void Send()
    {
        _sentAt = Stopwatch.GetTimestamp();
        echo.Tell(rawBytes ? payload : new Ping(++_id, payload), Self);
    }
}
