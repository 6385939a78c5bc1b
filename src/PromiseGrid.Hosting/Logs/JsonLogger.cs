using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace PromiseGrid.Hosting.Logs;

/// <summary>
/// The Akka logger of <c>PG_LOGFORMAT=json</c>: every log event of the node (its own lines,
/// Akka's remoting and cluster lines alike) as one JSON object per line on stdout
/// (<see cref="JsonLogLine"/>). Named in <c>akka.loggers</c> by <see cref="Configuration.NodeSettings"/>.
/// </summary>
internal sealed class JsonLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>The type name <c>akka.loggers</c> takes.</summary>
    public static readonly string TypeName = $"{typeof(JsonLogger).FullName}, {typeof(JsonLogger).Assembly.GetName().Name}";

    public JsonLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        // One write per line: Console.Out is synchronized, so lines from other writers never interleave inside one.
        Receive<LogEvent>(logEvent => Console.Out.Write(JsonLogLine.Format(logEvent) + Environment.NewLine));
    }
}

/// <summary>
/// Akka's stdout logger in json mode (<c>akka.stdout-logger-class</c>): the events Akka writes
/// itself before <see cref="JsonLogger"/> starts and after it stops (say, "Remoting shut down"
/// while the node exits) come out as JSON lines too, so stdout never mixes in a text line.
/// </summary>
internal sealed class JsonStandardOutLogger : MinimalLogger
{
    /// <summary>The type name <c>akka.stdout-logger-class</c> takes.</summary>
    public static readonly string TypeName = $"{typeof(JsonStandardOutLogger).FullName}, {typeof(JsonStandardOutLogger).Assembly.GetName().Name}";

    protected override void Log(object message)
    {
        if (message is LogEvent logEvent)
            Console.Out.Write(JsonLogLine.Format(logEvent) + Environment.NewLine);
    }
}
