using System.Diagnostics;

namespace PromiseGrid.Kernel.Tracing;

/// <summary>Starting spans in actors and in the client without leaving them behind as <see cref="Activity.Current"/>.</summary>
internal static class Spans
{
    /// <summary>
    /// A started span that is <i>not</i> left as <see cref="Activity.Current"/>: an actor's thread
    /// serves other messages next, and a synchronous caller's async-locals would keep it past the
    /// call. Null, at the cost of one check, when nobody listens to <paramref name="source"/>.
    /// </summary>
    /// <param name="parent">The parent; <c>default</c> takes <see cref="Activity.Current"/>.</param>
    public static Activity? StartDetached(ActivitySource source, string name, ActivityKind kind, ActivityContext parent = default)
    {
        if (!source.HasListeners()) return null;
        var previous = Activity.Current;
        var activity = source.StartActivity(name, kind, parent);
        if (activity is not null) Activity.Current = previous;
        return activity;
    }

    /// <summary>The key=value pairs a log line of a traced request ends with: <c> trace_id=.. span_id=..</c>, or "" when untraced.</summary>
    public static string LogPairs(ActivityContext context) =>
        context.TraceId == default ? "" : $" trace_id={context.TraceId.ToHexString()} span_id={context.SpanId.ToHexString()}";

    /// <inheritdoc cref="LogPairs(ActivityContext)"/>
    public static string LogPairs(Activity? activity) => activity is null ? "" : LogPairs(activity.Context);
}
