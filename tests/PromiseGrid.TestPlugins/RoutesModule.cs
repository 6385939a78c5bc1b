using System.Text;
using Akka.Actor;
using PromiseGrid.Core;
using PromiseGrid.Kernel.Modules;
using PromiseGrid.Kernel.Protocol;

namespace PromiseGrid.TestPlugins;

/// <summary>
/// Registers routes at run time, for the scale measurement (tests/PromiseGrid.Node.Tests/Scale):
/// <c>routes/add/NAME</c> starts a module that serves <c>NAME/</c>, and <c>routes/bulk/NAME/COUNT</c>
/// one that serves <c>NAME/0/</c> to <c>NAME/{COUNT-1}/</c>. Either answers once the module is
/// started; the new routes register with this node's router as any module's do, so how long
/// they take to be usable on the other nodes is the grid's route replication, measured.
/// </summary>
public sealed class RoutesModule() : ModuleActor("routes", "routes/add/", "routes/bulk/")
{
    private const int MaxBulk = 100_000;

    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request)
    {
        var rest = request.Rest.ToString();
        if (request.Prefix.ToString() == "routes/add/")
        {
            if (!IsName(rest)) throw Refused($"'{rest}' is not a route name (letters, digits, '-', '.')");
            Context.ActorOf(Props.Create(() => new AddedRoutesModule(new[] { rest + "/" })));
            return new(Sequence.FromUtf8(rest + "/"));
        }
        var slash = rest.LastIndexOf('/');
        if (slash <= 0 || !IsName(rest[..slash]) || !int.TryParse(rest[(slash + 1)..], out var count) || count is < 1 or > MaxBulk)
            throw Refused($"'{rest}' is not NAME/COUNT with COUNT from 1 to {MaxBulk}");
        var name = rest[..slash];
        var prefixes = new string[count];
        for (var i = 0; i < count; i++) prefixes[i] = $"{name}/{i}/";
        Context.ActorOf(Props.Create(() => new AddedRoutesModule(prefixes)));
        return new(Sequence.FromUtf8($"{name}/0/..{name}/{count - 1}/"));
    }

    private static bool IsName(string text) =>
        text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');

    private static CompletionRefusedException Refused(string reason) => new(CompletionStatus.BadRequest, reason);
}

/// <summary>A route added by <see cref="RoutesModule"/>: answers with the rest of the sequence.</summary>
public sealed class AddedRoutesModule(string[] prefixes) : ModuleActor("added", prefixes)
{
    protected override ValueTask<Sequence> CompleteAsync(CompletionRequest request) => new(request.Rest);
}
