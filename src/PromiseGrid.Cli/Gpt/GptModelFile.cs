using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Cli.Gpt;

/// <summary>Loads a model file for the <c>gpt</c> commands, turning checkpoint errors into the CLI's one-line errors.</summary>
internal static class GptModelFile
{
    /// <summary>
    /// The model at <paramref name="path"/>. A missing file is a usage error (exit 2); a file that is
    /// there but is not a readable checkpoint exits 1 with the checkpoint reader's reason.
    /// </summary>
    public static GptModel Load(string path)
    {
        if (!File.Exists(path))
            throw new UsageException(Directory.Exists(path) ? $"cannot read model '{path}': it is a directory" : $"cannot read model '{path}': no such file");
        try
        {
            return GptCheckpoint.Load(path);
        }
        catch (CheckpointFormatException e)
        {
            throw new CliException(e.Message, ExitCodes.GridError, e);
        }
    }

    /// <summary>"842,496 parameters (layers 4, dim 128, heads 4, context 128)".</summary>
    public static string Describe(GptConfig config) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{config.ParameterCount:N0} parameters (layers {config.Layers}, dim {config.Dim}, heads {config.Heads}, context {config.Context})");
}
