using System.Diagnostics;

namespace PromiseGrid.Bench.Load;

/// <summary>
/// Closed-loop requesters as a program makes requests: each of <c>concurrency</c> async loops on
/// the thread pool awaits one request, records it, and starts the next until the meter stops.
/// Grid sides call <c>IGrid.CompleteAsync</c> here, baselines Akka's <c>Ask</c>, so both pay
/// for a Task-returning request made from outside any actor.
/// </summary>
internal static class ClosedLoop
{
    /// <summary>
    /// One round: <paramref name="request"/> starts a request (return its task directly, not from an
    /// async lambda, so the loop adds no allocation of its own per request); <paramref name="succeeded"/>
    /// judges its result. A request that throws counts as failed.
    /// </summary>
    public static Func<TimeSpan, TimeSpan, Task<LoadMeter>> Round<T>(int concurrency, Func<Task<T>> request, Func<T, bool> succeeded) =>
        async (warmup, window) =>
        {
            var meter = new LoadMeter();
            var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (!meter.Stopped)
                {
                    var started = Stopwatch.GetTimestamp();
                    bool ok;
                    try
                    {
                        ok = succeeded(await request().ConfigureAwait(false));
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        ok = false;
                    }
                    meter.Record(started, ok);
                }
            })).ToList();
            await meter.RunAsync(warmup, window);
            await Task.WhenAll(loops);
            return meter;
        };

    /// <summary>One round of an operation that reports its own success.</summary>
    public static Func<TimeSpan, TimeSpan, Task<LoadMeter>> Round(int concurrency, Func<Task<bool>> operation) =>
        Round(concurrency, operation, ok => ok);
}
