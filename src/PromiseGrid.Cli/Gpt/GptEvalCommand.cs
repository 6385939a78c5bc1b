using System.CommandLine;
using System.Globalization;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Gpt.Training;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// <c>pgrid gpt eval --model M --corpus FILE [--whole]</c>: the model's mean cross-entropy on every
/// byte of the file's held-out split (or of the whole file) in bits per byte, the figure compressors
/// are compared by. Only this command reads the held-out split (<see cref="GptCorpus"/>).
/// </summary>
public static class GptEvalCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file (safetensors) to evaluate", HelpName = "file", Required = true };
        var corpus = new Option<string>("--corpus", "-c") { Description = "The text to evaluate on", HelpName = "file", Required = true };
        var whole = new Option<bool>("--whole")
        {
            Description = $"Evaluate on the whole file rather than its held-out last {GptCorpus.HeldOutPercent}% (the part pgrid gpt train never reads)",
        };
        var command = new Command("eval",
            "Print the model's cross-entropy on a file in bits per byte (lower is better; 8 is a uniform guess). By default only the "
            + $"held-out last {GptCorpus.HeldOutPercent}% of the file is scored, every byte of it. The text is cut into "
            + "consecutive windows of the model's context, each byte predicted from the bytes before it in its window; a window's "
            + "first byte from the byte just before it (the file's first byte, with --whole, from a newline).")
        {
            model, corpus, whole,
        };

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var text = GptCorpus.Load(parseResult.GetValue(corpus)!);
            var gpt = GptModelFile.Load(parseResult.GetValue(model)!);
            var all = parseResult.GetValue(whole);
            var from = all ? 0 : text.SplitAt;
            var what = all ? $"the whole of {text.Path}" : $"the held-out last {GptCorpus.HeldOutPercent}% of {text.Path}";
            GptCorpus.RequireBytes(text.Bytes.AsMemory(from), char.ToUpperInvariant(what[0]) + what[1..]);

            ct.ThrowIfCancellationRequested();
            var bits = Trainer.Evaluate(gpt, text.Bytes, from);
            var scored = Trainer.ScoredBytes(text.Bytes.Length, from);
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{bits:0.0000} bits/byte over all {scored:N0} bytes of {what}")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
