using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PromiseGrid.Cli.Commands;
using PromiseGrid.Gpt.Training;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// <c>pgrid gpt eval --model M --corpus FILE [--whole | --validation] [--adapt]</c>: the model's mean
/// cross-entropy on every byte of the file's held-out split (or of the whole file, or of its
/// validation part) in bits per byte, the figure compressors are compared by. With <c>--adapt</c>, also
/// the dynamic figure (<see cref="AdaptiveEvaluation"/>): the model goes on learning while it reads, as
/// the compressors do. Only this command reads the held-out split (<see cref="GptCorpus"/>).
/// </summary>
public static class GptEvalCommand
{
    /// <summary>
    /// Defaults of <c>--adapt</c>, chosen on the validation part of <c>corpus/kjv.txt</c> (its first
    /// 32 KiB, <c>--validation --adapt --max-bytes 32768</c>) with a default-shape model trained for 300
    /// steps on its training part only, never on the held-out part: the best of five rates at stride 32;
    /// stride 16 scored better still, at twice the steps. The sweep is in the README's "Train the GPT".
    /// </summary>
    public const double DefaultAdaptLearningRate = 3e-5;

    /// <inheritdoc cref="DefaultAdaptLearningRate"/>
    public const int DefaultAdaptStride = 32;

    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file (safetensors) to evaluate", HelpName = "file", Required = true };
        var corpus = new Option<string>("--corpus", "-c") { Description = "The text to evaluate on", HelpName = "file", Required = true };
        var whole = new Option<bool>("--whole")
        {
            Description = $"Evaluate on the whole file rather than its held-out last {GptCorpus.HeldOutPercent}% (the part pgrid gpt train never reads)",
        };
        var validation = new Option<bool>("--validation")
        {
            Description = $"Evaluate on the validation part ({GptCorpus.ValidationPercent}% before the held-out part) instead: the one to choose settings such as --adapt-lr by",
        };
        var adapt = new Option<bool>("--adapt")
        {
            Description = "Also print the dynamic figure: each byte is scored, then the model takes a training step on what it has read, as NNCP and cmix do",
        };
        var adaptRate = new Option<double?>("--adapt-lr")
        {
            Description = $"Learning rate of --adapt's steps (constant; default {DefaultAdaptLearningRate.ToString(CultureInfo.InvariantCulture)}, chosen on the validation part); 0 leaves the weights alone",
            HelpName = "rate",
            CustomParser = r => GptOptionParsers.Number(r, "--adapt-lr", zeroAllowed: true),
        };
        var adaptStride = new Option<int?>("--adapt-stride")
        {
            Description = $"Bytes scored between two of --adapt's steps, at most the model's context (default {DefaultAdaptStride}, chosen on the validation part)",
            HelpName = "n",
            CustomParser = r => GptOptionParsers.Int(r, "--adapt-stride", 1),
        };
        var adaptCold = new Option<bool>("--adapt-cold")
        {
            Description = "With --adapt on the held-out part: start learning at its first byte, instead of first reading the validation part before it (learning from it without scoring it, as the compressors have read it)",
        };
        var maxBytes = new Option<int?>("--max-bytes")
        {
            Description = "Score only the first n bytes of the part, for a quicker estimate (default: every byte)",
            HelpName = "n",
            CustomParser = r => GptOptionParsers.Int(r, "--max-bytes", 1),
        };
        var command = new Command("eval",
            "Print the model's cross-entropy on a file in bits per byte (lower is better; 8 is a uniform guess). By default only the "
            + $"held-out last {GptCorpus.HeldOutPercent}% of the file is scored, every byte of it. The text is cut into "
            + "consecutive windows of the model's context, each byte predicted from the bytes before it in its window; a window's "
            + "first byte from the byte just before it (the file's first byte, with --whole, from a newline). "
            + "With --adapt, a second line gives the figure of a model that learns as it reads, as compressors do.")
        {
            model, corpus, whole, validation, adapt, adaptRate, adaptStride, adaptCold, maxBytes,
        };

        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(console, async ct =>
        {
            var all = parseResult.GetValue(whole);
            var onValidation = parseResult.GetValue(validation);
            if (all && onValidation) throw new UsageException("--whole and --validation name different parts: give one of them");
            var adaptive = parseResult.GetValue(adapt);
            var rate = parseResult.GetValue(adaptRate);
            var stride = parseResult.GetValue(adaptStride);
            var cold = parseResult.GetValue(adaptCold);
            if (!adaptive && (rate is not null || stride is not null || cold))
                throw new UsageException("--adapt-lr, --adapt-stride and --adapt-cold set up --adapt: add --adapt");
            if (cold && (all || onValidation))
                throw new UsageException("--adapt-cold is for the held-out part: with --whole or --validation nothing is read before the scored part");

            var text = GptCorpus.Load(parseResult.GetValue(corpus)!);
            var gpt = GptModelFile.Load(parseResult.GetValue(model)!);
            var strideBytes = stride ?? Math.Min(DefaultAdaptStride, gpt.Config.Context);
            if (strideBytes > gpt.Config.Context)
                throw new UsageException($"--adapt-stride {strideBytes} is longer than the model's context ({gpt.Config.Context} bytes): the scored bytes must fit in one window");

            // Validation is scored in the light of the training bytes before it, and never sees the held-out part.
            var (bytes, from, what) = all ? (text.Bytes.AsMemory(), 0, $"the whole of {text.Path}")
                : onValidation ? (text.Bytes.AsMemory(0, text.SplitAt), text.ValidationAt, $"the validation part ({GptCorpus.ValidationPercent}% before the last {GptCorpus.HeldOutPercent}%) of {text.Path}")
                : (text.Bytes.AsMemory(), text.SplitAt, $"the held-out last {GptCorpus.HeldOutPercent}% of {text.Path}");
            GptCorpus.RequireBytes(bytes[from..], char.ToUpperInvariant(what[0]) + what[1..]);

            ct.ThrowIfCancellationRequested();
            var limit = parseResult.GetValue(maxBytes) ?? long.MaxValue;
            var bits = Trainer.Evaluate(gpt, bytes.Span, from, maxBytes: limit);
            var scored = Trainer.ScoredBytes(bytes.Length, from, limit);
            var which = scored == bytes.Length - from ? $"all {scored:N0}" : $"the first {scored:N0}";
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{bits:0.0000} bits/byte over {which} bytes of {what}")).ConfigureAwait(false);
            if (!adaptive) return ExitCodes.Ok;

            var learningRate = rate ?? DefaultAdaptLearningRate;
            var clock = Stopwatch.StartNew();
            // On the held-out part the model first learns from the validation part, which training never
            // read and the compressors of compare-compressors.sh have read (they read the whole first 90%).
            int? learnFrom = all || onValidation || cold ? null : text.ValidationAt;
            var score = AdaptiveEvaluation.Evaluate(gpt, bytes.Span, from, (float)learningRate, strideBytes, limit, learnFrom, ct);
            var learnt = score.LearntSteps > 0 ? $", after {score.LearntSteps:N0} steps learning from the validation part" : "";
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{score.BitsPerByte:0.0000} bits/byte over {which} bytes of {what}, adapting (--adapt-lr {learningRate:0.#########}, "
                + $"a step every {strideBytes} bytes: {score.Steps:N0} steps{learnt}, in {clock.Elapsed.TotalSeconds:0} s)")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
