using PromiseGrid.Core;

namespace PromiseGrid.Kernel.Modules;

/// <summary>
/// A continuation of <see cref="ModuleActor"/>'s ReenterAfter, sent to the module itself once
/// its task has finished, so the continuation runs as one of the actor's messages: on its
/// thread, one at a time with every other message.
/// </summary>
internal abstract class Reentry
{
    /// <summary>Runs the continuation (on the module's thread) and completes the request's result with it.</summary>
    public abstract void Run();
}

/// <param name="context">The execution context ReenterAfter was called in: the request's, so grid calls the continuation makes are nested under it.</param>
internal sealed class Reentry<T>(Task<T> task, Func<T, ValueTask<Sequence>> continuation, ExecutionContext? context,
    TaskCompletionSource<Sequence> result) : Reentry
{
    public override void Run()
    {
        if (context is null) Continue();
        else ExecutionContext.Run(context, static state => ((Reentry<T>)state!).Continue(), this);
    }

    private void Continue()
    {
        ValueTask<Sequence> next;
        try
        {
            // Throws the task's own exception (an OperationCanceledException when it was
            // cancelled), so the request fails as if the module had awaited the task itself.
            next = continuation(task.GetAwaiter().GetResult());
        }
        catch (Exception error)
        {
            result.TrySetException(error);
            return;
        }
        if (next.IsCompletedSuccessfully) result.TrySetResult(next.Result);
        else _ = CompleteWhenDone(next);
    }

    private async Task CompleteWhenDone(ValueTask<Sequence> next)
    {
        try
        {
            result.TrySetResult(await next.ConfigureAwait(false));
        }
        catch (Exception error)
        {
            result.TrySetException(error);
        }
    }
}
