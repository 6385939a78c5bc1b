using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Training;

namespace PromiseGrid.Cli.Tests;

/// <summary>
/// <c>pgrid gpt train|eval|sample</c> through the real entry point, on tiny models that train in
/// a second: the train → eval → sample round trip, resuming bit for bit (after a stop at a step
/// and after Ctrl+C), and one clear error line for missing files and bad options.
/// </summary>
public sealed class GptCommandTests : IDisposable
{
    /// <summary>A tiny model: 1 layer, width 16, 2 heads, context 16.</summary>
    private static readonly string[] Tiny = ["--layers", "1", "--dim", "16", "--heads", "2", "--context", "16", "--batch", "4", "--lr", "1e-2", "-q"];

    private readonly string _folder = Directory.CreateTempSubdirectory("pg-cli-gpt-").FullName;
    private readonly string _corpus;

    public GptCommandTests()
    {
        // About 5 KB of repetitive English: a tiny model learns its letters in a few dozen steps.
        _corpus = PathOf("corpus.txt");
        File.WriteAllText(_corpus, string.Concat(Enumerable.Range(0, 60).Select(i =>
            $"In the beginning the grid had one operation, and the operation was completion number {i % 7}.\n")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await Cli.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"pgrid {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}");
        return result;
    }

    private Task<CliResult> TrainAsync(string model, params string[] more) =>
        OkAsync([.. new[] { "gpt", "train", "--corpus", _corpus, "--out", model }, .. Tiny, .. more]);

    [Fact]
    public async Task Train_then_eval_then_sample_round_trip()
    {
        var model = PathOf("m.safetensors");
        var train = await TrainAsync(model, "--steps", "40", "--eval-every", "20");

        var log = train.StdoutText;
        Assert.Contains("training 7,664 parameters (layers 1, dim 16, heads 2, context 16)", log);
        // 5,280 bytes: 85% to train on, 5% validation, the last 10% held out and never read by train.
        Assert.Contains("4,488 bytes to train on, the next 264 (5%) for validation, the last 528 (10%) held out and not read", log);
        Assert.DoesNotContain("held-out 0", log);
        Assert.Matches(new Regex(@"^step +20 +loss \d\.\d{3} +validation \d\.\d{3} bits/byte", RegexOptions.Multiline), log);
        var final = Regex.Match(log, @"^step +40 .* validation (\d\.\d{3}) bits/byte \(all 264 validation bytes\)", RegexOptions.Multiline);
        Assert.True(final.Success, log);
        Assert.Empty(train.Stderr);
        Assert.Equal(new GptConfig(1, 16, 2, 16), GptCheckpoint.ReadConfig(model));

        var eval = await OkAsync("gpt", "eval", "--model", model, "--corpus", _corpus);
        var figure = Regex.Match(eval.StdoutText, @"^(\d\.\d{4}) bits/byte over all 528 bytes of the held-out last 10% of ");
        Assert.True(figure.Success, eval.StdoutText);
        var bits = double.Parse(figure.Groups[1].Value, CultureInfo.InvariantCulture);
        // Trained: well below a uniform guess (8 bits). Train's final figure is the validation
        // part's, eval's the held-out part's: each is the model scored on every byte of its part.
        Assert.InRange(bits, 1, 5);
        var trained = GptCheckpoint.Load(model);
        var text = File.ReadAllBytes(_corpus);
        Assert.Equal(Trainer.Evaluate(trained, text, from: 4752), bits, 0.00006);
        Assert.Equal(Trainer.Evaluate(trained, text.AsSpan(0, 4752), from: 4488),
            double.Parse(final.Groups[1].Value, CultureInfo.InvariantCulture), 0.0006);
        var whole = await OkAsync("gpt", "eval", "--model", model, "--corpus", _corpus, "--whole");
        Assert.Contains("bits/byte over all 5,280 bytes of the whole of ", whole.StdoutText);

        var sample = await OkAsync("gpt", "sample", "--model", model, "--prompt", "In the ", "-n", "48", "--seed", "3");
        Assert.Equal(48, sample.Stdout.Length);
        Assert.Equal(sample.Stdout, (await OkAsync("gpt", "sample", "--model", model, "--prompt", "In the ", "-n", "48", "--seed", "3")).Stdout);
        var greedy = await OkAsync("gpt", "sample", "-m", model, "-p", "In the ", "-n", "20", "--temperature", "0");
        Assert.Equal(20, greedy.Stdout.Length);
        Assert.Equal(Encoding.ASCII.GetString(new Generator(GptCheckpoint.Load(model)).Generate("In the "u8, 20, SamplingOptions.Greedy)), greedy.StdoutText);
    }

    [Fact]
    public async Task Eval_adapt_prints_the_static_figure_then_the_adaptive_one_over_the_same_bytes()
    {
        var model = PathOf("m.safetensors");
        await TrainAsync(model, "--steps", "40", "--eval-every", "20");
        var plain = await OkAsync("gpt", "eval", "--model", model, "--corpus", _corpus);

        var eval = await OkAsync("gpt", "eval", "--model", model, "--corpus", _corpus, "--adapt", "--adapt-lr", "1e-2", "--adapt-stride", "8");
        var lines = eval.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        // The first line is eval's without --adapt, unchanged; the second scores the same 528 bytes.
        Assert.Equal(plain.StdoutText.TrimEnd('\n'), lines[0]);
        // The model first learns from the 264 validation bytes (33 steps of 8), as the compressors have read them.
        var adaptive = Regex.Match(lines[1], @"^(\d\.\d{4}) bits/byte over all 528 bytes of the held-out last 10% of .*, adapting \(--adapt-lr 0\.01, a step every 8 bytes: 66 steps, after 33 steps learning from the validation part, in \d+ s\)$");
        Assert.True(adaptive.Success, lines[1]);
        // The figure is the library's (AdaptiveEvaluationTests shows it learning and never peeking).
        var adaptiveBits = double.Parse(adaptive.Groups[1].Value, CultureInfo.InvariantCulture);
        var text = File.ReadAllBytes(_corpus);
        Assert.Equal(AdaptiveEvaluation.Evaluate(GptCheckpoint.Load(model), text, 4752, 1e-2f, 8, learnFrom: 4488).BitsPerByte, adaptiveBits, 0.00006);

        // --adapt-cold starts learning at the first held-out byte.
        var cold = await OkAsync("gpt", "eval", "--model", model, "--corpus", _corpus, "--adapt", "--adapt-lr", "1e-2", "--adapt-stride", "8", "--adapt-cold");
        var coldLine = cold.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Matches(@"^\d\.\d{4} bits/byte over all 528 bytes of the held-out last 10% of .*, adapting \(--adapt-lr 0\.01, a step every 8 bytes: 66 steps, in \d+ s\)$", coldLine);
        Assert.Equal(AdaptiveEvaluation.Evaluate(GptCheckpoint.Load(model), text, 4752, 1e-2f, 8).BitsPerByte,
            double.Parse(coldLine[..6], CultureInfo.InvariantCulture), 0.00006);

        // The validation part, to choose --adapt-lr and --adapt-stride by, is scored in the light of the training part only.
        var validation = await OkAsync("gpt", "eval", "--model", model, "--corpus", _corpus, "--validation", "--adapt");
        Assert.Matches(new Regex(@"^\d\.\d{4} bits/byte over all 264 bytes of the validation part \(5% before the last 10%\) of .*\n"
            + @"\d\.\d{4} bits/byte over all 264 bytes of the validation part .*, adapting \(--adapt-lr 0\.00003, a step every 16 bytes: 17 steps, in \d+ s\)\n$"), validation.StdoutText);
        Assert.Equal(AdaptiveEvaluation.Evaluate(GptCheckpoint.Load(model), text.AsSpan(0, 4752), 4488, 3e-5f, 16).BitsPerByte,
            double.Parse(validation.StdoutText.Split('\n')[1][..6], CultureInfo.InvariantCulture), 0.00006);

        // --max-bytes scores the first n bytes of the part, and says so on both lines.
        var first = await OkAsync("gpt", "eval", "--model", model, "--corpus", _corpus, "--adapt", "--max-bytes", "100");
        Assert.Equal(2, Regex.Matches(first.StdoutText, "bits/byte over the first 100 bytes of the held-out last 10% of ").Count);
        Assert.Equal(Trainer.Evaluate(GptCheckpoint.Load(model), text, 4752, maxBytes: 100), double.Parse(first.StdoutText[..6], CultureInfo.InvariantCulture), 0.00006);
    }

    [Theory]
    [InlineData(new[] { "--adapt", "--adapt-stride", "17" }, "pgrid: --adapt-stride 17 is longer than the model's context (16 bytes): the scored bytes must fit in one window")]
    [InlineData(new[] { "--adapt-lr", "1e-3" }, "pgrid: --adapt-lr, --adapt-stride and --adapt-cold set up --adapt: add --adapt")]
    [InlineData(new[] { "--adapt", "--adapt-cold", "--validation" }, "pgrid: --adapt-cold is for the held-out part: with --whole or --validation nothing is read before the scored part")]
    [InlineData(new[] { "--adapt", "--adapt-lr", "-1" }, "pgrid: --adapt-lr must be a number ≥ 0, got '-1' (see 'pgrid gpt eval --help')")]
    [InlineData(new[] { "--whole", "--validation" }, "pgrid: --whole and --validation name different parts: give one of them")]
    public async Task Bad_eval_options_are_one_clear_error_line(string[] options, string error)
    {
        var model = PathOf("m.safetensors");
        await TrainAsync(model, "--steps", "1");
        var result = await Cli.RunAsync(["gpt", "eval", "--model", model, "--corpus", _corpus, .. options]);
        Assert.Equal((2, error), (result.ExitCode, result.SingleErrorLine()));
    }

    [Fact]
    public async Task A_run_stopped_early_and_resumed_writes_the_same_file_as_a_run_straight_through()
    {
        var straight = PathOf("straight.safetensors");
        await TrainAsync(straight, "--steps", "24", "--eval-every", "10");

        var resumed = PathOf("resumed.safetensors");
        await TrainAsync(resumed, "--steps", "9", "--schedule-steps", "24", "--eval-every", "10");
        Assert.Equal("9", GptCheckpoint.ReadMetadata(resumed)["train.step"]);
        var second = await OkAsync("gpt", "train", "--corpus", _corpus, "--out", resumed, "--resume", "--steps", "24", "--eval-every", "10", "-q");
        Assert.Contains("resuming at step 9: 7,664 parameters", second.StdoutText);

        Assert.Equal(File.ReadAllBytes(straight), File.ReadAllBytes(resumed));
    }

    [Fact]
    public async Task Ctrl_C_saves_a_checkpoint_that_resumes_to_the_same_model()
    {
        var straight = PathOf("straight.safetensors");
        await TrainAsync(straight, "--steps", "12", "--eval-every", "5");

        // Ctrl+C arrives while the step-5 log line is written: the run stops before step 6 and saves.
        var interrupted = PathOf("interrupted.safetensors");
        using var cancel = new CancellationTokenSource();
        using var stdout = new CancelOnText("step      5 ", cancel);
        using var stderr = new StringWriter { NewLine = "\n" };
        var console = new CliConsole(new MemoryStream(), stdout, stderr);
        string[] args = ["gpt", "train", "--corpus", _corpus, "--out", interrupted, .. Tiny, "--steps", "12", "--eval-every", "5"];
        // Invoked below CliApp.RunAsync, whose closing flush would itself be cancelled by the token.
        var exit = await CliApp.CreateRootCommand(console, null).Parse(args)
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = console.Out, Error = console.Error }, cancel.Token);
        Assert.Equal(130, exit);
        Assert.Equal([$"pgrid: interrupted at step 5; saved '{interrupted}' (continue with --resume)", "pgrid: interrupted"],
            stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("5", GptCheckpoint.ReadMetadata(interrupted)["train.step"]);

        await OkAsync("gpt", "train", "--corpus", _corpus, "--out", interrupted, "--resume", "--steps", "12", "--eval-every", "5", "-q");
        Assert.Equal(File.ReadAllBytes(straight), File.ReadAllBytes(interrupted));
    }

    [Fact]
    public async Task A_time_budget_ends_the_run_and_a_resumed_run_keeps_the_saved_settings()
    {
        var model = PathOf("m.safetensors");
        var run = await TrainAsync(model, "--minutes", "0.0001");
        Assert.Contains("for 0.006 seconds", run.StdoutText);
        var step = int.Parse(GptCheckpoint.ReadMetadata(model)["train.step"], CultureInfo.InvariantCulture);
        Assert.True(step >= 1, "a run makes at least one step");

        var refused = await Cli.RunAsync(["gpt", "train", "--corpus", _corpus, "--out", model, "--resume", "--dim", "32", "--steps", "50"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("pgrid: --dim 32 differs from the checkpoint's 16: a resumed run keeps the settings it was started with", refused.SingleErrorLine());
    }

    [Fact]
    public async Task Muon_is_the_default_optimizer_AdamW_is_one_option_away_and_a_resumed_run_keeps_its_own()
    {
        var muon = PathOf("muon.safetensors");
        var run = await TrainAsync(muon, "--steps", "3", "--eval-every", "3");
        Assert.Contains("bytes, Muon, peak lr", run.StdoutText);
        Assert.Equal("muon", GptCheckpoint.ReadMetadata(muon)["train.optimizer"]);

        var adamw = PathOf("adamw.safetensors");
        run = await TrainAsync(adamw, "--steps", "3", "--eval-every", "3", "--optimizer", "adamw");
        Assert.Contains("bytes, AdamW, peak lr", run.StdoutText);
        Assert.Equal("adamw", GptCheckpoint.ReadMetadata(adamw)["train.optimizer"]);
        Assert.NotEqual(File.ReadAllBytes(muon), File.ReadAllBytes(adamw));

        var refused = await Cli.RunAsync(["gpt", "train", "--corpus", _corpus, "--out", adamw, "--resume", "--optimizer", "muon", "--steps", "5"]);
        Assert.Equal((2, "pgrid: --optimizer muon differs from the checkpoint's adamw: a resumed run keeps the settings it was started with"),
            (refused.ExitCode, refused.SingleErrorLine()));
        var unknown = await Cli.RunAsync(["gpt", "train", "--corpus", _corpus, "--out", adamw, "--optimizer", "sgd"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("sgd", unknown.Stderr);
    }

    [Fact]
    public async Task Missing_files_are_one_clear_error_line()
    {
        var absent = PathOf("absent.txt");
        var result = await Cli.RunAsync(["gpt", "train", "--corpus", absent, "--out", PathOf("m.safetensors")]);
        Assert.Equal((2, $"pgrid: cannot read corpus '{absent}': no such file"), (result.ExitCode, result.SingleErrorLine()));

        var model = PathOf("absent.safetensors");
        result = await Cli.RunAsync(["gpt", "eval", "--model", model, "--corpus", _corpus]);
        Assert.Equal((2, $"pgrid: cannot read model '{model}': no such file"), (result.ExitCode, result.SingleErrorLine()));
        result = await Cli.RunAsync(["gpt", "sample", "--model", model]);
        Assert.Equal((2, $"pgrid: cannot read model '{model}': no such file"), (result.ExitCode, result.SingleErrorLine()));
        result = await Cli.RunAsync(["gpt", "train", "--corpus", _corpus, "--out", model, "--resume"]);
        Assert.Equal((2, $"pgrid: --resume: there is no '{model}' to continue; train without --resume to start"), (result.ExitCode, result.SingleErrorLine()));
        var underAFile = Path.Combine(_corpus, "m.safetensors");
        result = await Cli.RunAsync(["gpt", "train", "--corpus", _corpus, "--out", underAFile]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"pgrid: cannot write model '{underAFile}': cannot create its directory (", result.SingleErrorLine());
    }

    [Fact]
    public async Task The_model_directory_is_created_when_missing()
    {
        var model = PathOf("data/gpt/model.safetensors");
        await TrainAsync(model, "--steps", "1");
        Assert.Equal(new GptConfig(1, 16, 2, 16), GptCheckpoint.ReadConfig(model));
    }

    [Fact]
    public async Task A_corrupt_model_is_refused_naming_the_file_and_the_fault()
    {
        var model = PathOf("m.safetensors");
        await TrainAsync(model, "--steps", "1");
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..^64]);

        var result = await Cli.RunAsync(["gpt", "sample", "--model", model]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"pgrid: Checkpoint {model}: Truncated checkpoint: the tensors need ", result.SingleErrorLine());
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task An_existing_model_is_not_overwritten_without_force()
    {
        var model = PathOf("m.safetensors");
        await TrainAsync(model, "--steps", "1");
        var before = File.ReadAllBytes(model);
        var result = await Cli.RunAsync(["gpt", "train", "--corpus", _corpus, "--out", model, .. Tiny, "--steps", "2"]);
        Assert.Equal((2, $"pgrid: '{model}' already exists: pass --resume to continue its training or --force to replace it"), (result.ExitCode, result.SingleErrorLine()));
        Assert.Equal(before, File.ReadAllBytes(model));
        await TrainAsync(model, "--steps", "2", "--force");
        Assert.Equal("2", GptCheckpoint.ReadMetadata(model)["train.step"]);
    }

    public static TheoryData<string[], string> BadOptions() => new()
    {
        { ["--steps", "0"], "pgrid: --steps must be a positive whole number, got '0' (see 'pgrid gpt train --help')" },
        { ["--dim", "16", "--heads", "3"], "pgrid: --dim 16 is not a multiple of --heads 3: each head takes an equal share of the width" },
        { ["--lr", "fast"], "pgrid: --lr must be a positive number, got 'fast' (see 'pgrid gpt train --help')" },
        { ["--minutes", "-1"], "pgrid: --minutes must be a positive number, got '-1' (see 'pgrid gpt train --help')" },
        { ["--context", "5000"], "pgrid: The training part of '{corpus}' (its first 85%) is 4488 bytes, shorter than one window of the model's context (5000 bytes) plus the byte after it: use a larger file or a smaller --context" },
        { ["--resume", "--force"], "pgrid: --resume continues --out and --force replaces it: give one of them" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Bad_train_options_are_one_usage_error_line(string[] options, string expected)
    {
        var model = PathOf("m.safetensors");
        var result = await Cli.RunAsync(["gpt", "train", "--corpus", _corpus, "--out", model, "--layers", "1", .. options]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected.Replace("{corpus}", _corpus, StringComparison.Ordinal), result.SingleErrorLine());
        Assert.False(File.Exists(model));
    }

    [Fact]
    public async Task Bad_sample_options_are_one_usage_error_line()
    {
        var model = PathOf("m.safetensors");
        await TrainAsync(model, "--steps", "1");
        var result = await Cli.RunAsync(["gpt", "sample", "--model", model, "--top-k", "300"]);
        Assert.Equal((2, "pgrid: --top-k must be between 0 and 256, got 300"), (result.ExitCode, result.SingleErrorLine()));
        result = await Cli.RunAsync(["gpt", "sample", "--model", model, "--temperature", "-0.5"]);
        Assert.Equal((2, "pgrid: --temperature must be a number ≥ 0, got '-0.5' (see 'pgrid gpt sample --help')"), (result.ExitCode, result.SingleErrorLine()));
    }

    /// <summary>Standard output that plays Ctrl+C once <paramref name="text"/> has been written to it.</summary>
    private sealed class CancelOnText(string text, CancellationTokenSource cancel) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            Check();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            base.Write(buffer);
            Check();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        private void Check()
        {
            if (Encoding.UTF8.GetString(ToArray()).Contains(text, StringComparison.Ordinal)) cancel.Cancel();
        }
    }
}
