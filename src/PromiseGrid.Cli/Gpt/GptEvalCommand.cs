using System.CommandLine;
using System.Globalization;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Gpt.Training;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// <c>pgrid gpt eval --model M --corpus FILE [--whole]</c>: the model's mean cross-entropy on the
/// file's held-out split (or the whole file) in bits per byte, the figure compressors are compared by.
/// </summary>
public static class GptEvalCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file (safetensors) to evaluate", HelpName = "file", Required = true };
        var corpus = new Option<string>("--corpus", "-c") { Description = "The text to evaluate on", HelpName = "file", Required = true };
        var whole = new Option<bool>("--whole")
        {
            Description = $"Evaluate on the whole file rather than its held-out last {GptCorpus.HeldOutPercent}% (the part pgrid gpt train never trains on)",
        };
        var command = new Command("eval",
            "Print the model's cross-entropy on a file in bits per byte (lower is better; 8 is a uniform guess). By default only the "
            + $"held-out last {GptCorpus.HeldOutPercent}% of the file is read, as pgrid gpt train splits it. The text is cut into "
            + "consecutive windows of the model's context, each predicted from its own start.")
        {
            model, corpus, whole,
        };

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var text = GptCorpus.Load(parseResult.GetValue(corpus)!);
            var gpt = GptModelFile.Load(parseResult.GetValue(model)!);
            var all = parseResult.GetValue(whole);
            var part = all ? text.Bytes.AsMemory() : text.HeldOut;
            var what = all ? $"the whole of {text.Path}" : $"the held-out last {GptCorpus.HeldOutPercent}% of {text.Path}";
            GptCorpus.RequireWindow(part, gpt.Config.Context, char.ToUpperInvariant(what[0]) + what[1..]);

            ct.ThrowIfCancellationRequested();
            var bits = Trainer.Evaluate(gpt, part.Span);
            long predicted = (long)((part.Length - 1) / gpt.Config.Context) * gpt.Config.Context;
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{bits:0.0000} bits/byte over {predicted:N0} bytes of {what}")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
