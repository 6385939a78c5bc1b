using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PromiseGrid.Kernel.Client;

namespace PromiseGrid.Modules.Store;

/// <summary>
/// When the store's repair passes run (<see cref="StoreRepair"/>): one at a time, once the set
/// of store nodes has changed and stayed so for <c>settle</c>, every <c>interval</c> otherwise,
/// soon again after a pass that left work, and later and later after one with failures. A child
/// of <see cref="StoreModule"/>. Logs one line per pass that did work.
/// </summary>
internal sealed class StoreRepairActor : ReceiveActor, IWithTimers
{
    private readonly StoreRepair _repair;
    private readonly StoreRepairSettings _settings;
    private readonly IGridRuntime _grid;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();

    private object? _seenSnapshot;
    private string? _seenKey;
    private DateTime _seenSince;
    private string? _passedKey;
    private DateTime _nextPass;
    private string _nextReason = "periodic";
    private int _failedPasses;
    private bool _running;

    public StoreRepairActor(StoreRepair repair, StoreRepairSettings settings, IGridRuntime grid)
    {
        _repair = repair;
        _settings = settings;
        _grid = grid;
        _nextPass = DateTime.UtcNow + settings.Interval;
        Receive<Check>(_ => OnCheck());
        Receive<PassDone>(OnPassDone);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StoreRepair repair, StoreRepairSettings settings, IGridRuntime grid) =>
        Akka.Actor.Props.Create(() => new StoreRepairActor(repair, settings, grid));

    protected override void PreStart() => Timers.StartPeriodicTimer("check", Check.Instance, _settings.CheckInterval);

    protected override void PostStop() => _stopping.Cancel();

    private void OnCheck()
    {
        if (_running) return;
        var now = DateTime.UtcNow;
        var snapshot = _grid.Routes.Snapshot;
        if (ReferenceEquals(snapshot, _seenSnapshot) && _seenKey == _passedKey && now < _nextPass) return; // the common, idle case
        _seenSnapshot = snapshot;
        var members = _repair.Members();
        if (members.Key != _seenKey)
        {
            _seenKey = members.Key;
            _seenSince = now;
        }
        string reason;
        if (members.Key != _passedKey)
        {
            if (now - _seenSince < _settings.Settle) return;
            reason = "membership";
        }
        else if (now >= _nextPass) reason = _nextReason;
        else return;

        _passedKey = members.Key;
        if (members.Nodes.Count < 2)
        {
            Scheduled(now, "periodic", _settings.Interval); // nobody to compare with
            return;
        }
        _running = true;
        var clock = Stopwatch.StartNew();
        _repair.RunPassAsync(members, _stopping.Token).PipeTo(Self,
            success: outcome => new PassDone(reason, outcome, null, clock.Elapsed),
            failure: error => new PassDone(reason, null, error, clock.Elapsed));
    }

    private void OnPassDone(PassDone done)
    {
        _running = false;
        var now = DateTime.UtcNow;
        if (done.Outcome is not { } outcome)
        {
            _log.Warning("store repair pass failed reason={0} error={1}: {2}", done.Reason, done.Error?.GetType().Name, done.Error?.Message);
            Failed(now);
            return;
        }
        if (outcome.DidWork)
            _log.Info($"store repair reason={done.Reason} copied={outcome.Copied} dropped={outcome.Dropped} failed={outcome.Failed} " +
                      $"buckets={outcome.DifferingBuckets}/{outcome.Buckets} peers={outcome.Peers} blobs={outcome.Blobs} " +
                      $"ms={done.Took.TotalMilliseconds:0}{(outcome.LeftWork ? " more=true" : "")}");
        if (outcome.Failed > 0) Failed(now);
        else
        {
            _failedPasses = 0;
            if (outcome.LeftWork) Scheduled(now, "continue", TimeSpan.Zero);
            else Scheduled(now, "periodic", _settings.Interval);
        }
    }

    /// <summary>After a failure, the next pass waits twice as long as the last, from check-interval up to interval.</summary>
    private void Failed(DateTime now)
    {
        var delay = _settings.CheckInterval * Math.Pow(2, Math.Min(_failedPasses++, 30));
        Scheduled(now, "retry", delay < _settings.Interval ? delay : _settings.Interval);
    }

    private void Scheduled(DateTime now, string reason, TimeSpan delay)
    {
        _nextPass = now + delay;
        _nextReason = reason;
    }

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }

    private sealed record PassDone(string Reason, RepairOutcome? Outcome, Exception? Error, TimeSpan Took);
}
