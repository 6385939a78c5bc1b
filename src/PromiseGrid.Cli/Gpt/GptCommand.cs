using System.CommandLine;

namespace PromiseGrid.Cli.Gpt;

/// <summary>
/// <c>pgrid gpt train|eval|sample</c>: the byte-level GPT of <c>PromiseGrid.Gpt</c>, run in this
/// process (no node involved): train a model on a file, measure it in bits per byte, and let it
/// continue a prompt.
/// </summary>
public static class GptCommand
{
    public static Command Create(CliConsole console) =>
        new("gpt",
            "The byte-level GPT, run locally (no node needed): train a model on a text file (train), measure it in bits per byte "
            + "on the held-out last " + GptCorpus.HeldOutPercent + "% of a file, which train never reads (eval), and generate with it (sample). "
            + "Models are safetensors files with the hyper-parameters in their metadata.")
        {
            GptTrainCommand.Create(console),
            GptEvalCommand.Create(console),
            GptSampleCommand.Create(console),
        };
}
