using PromiseGrid.Gpt.Checkpoints;
using PromiseGrid.Gpt.Model;
using PromiseGrid.Gpt.Tests.Model;
using PromiseGrid.Gpt.Training;
using Xunit;

namespace PromiseGrid.Gpt.Tests.Checkpoints;

/// <summary>
/// <see cref="GptCheckpoint"/>: a saved model loads back with the same outputs, its
/// hyper-parameters travel in the metadata, broken or foreign files are refused with a message
/// naming the file and the fault, and a training run saved and resumed ends bit for bit where
/// an uninterrupted run ends.
/// </summary>
public sealed class GptCheckpointTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gpt-checkpoint-test-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    [Fact]
    public void A_saved_model_loads_with_the_same_config_weights_and_logits()
    {
        var model = TinyGpt.Model(seed: 5, layers: 2, dim: 16, heads: 4, context: 8);
        var path = PathOf("model.safetensors");
        GptCheckpoint.Save(model, path, new Dictionary<string, string> { ["corpus"] = "tiny" });

        var loaded = GptCheckpoint.Load(path);
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(model.Config, GptCheckpoint.ReadConfig(path));
        Assert.Equal(model.Parameters, loaded.Parameters);
        var input = TinyGpt.Corpus.AsSpan(0, 8).ToArray();
        Assert.Equal(Logits(model, input), Logits(loaded, input));

        var metadata = GptCheckpoint.ReadMetadata(path);
        Assert.Equal("promisegrid-gpt", metadata["format"]);
        Assert.Equal("1", metadata["format_version"]);
        Assert.Equal(("2", "16", "4", "8", "256"), (metadata["layers"], metadata["dim"], metadata["heads"], metadata["context"], metadata["vocab"]));
        Assert.Equal("tiny", metadata["corpus"]);
        Assert.Null(GptCheckpoint.ReadTrainerOptions(path));
        Assert.Equal(["model.safetensors"], _directory.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void The_file_is_plain_safetensors_with_GPT2_tensor_names()
    {
        var model = TinyGpt.Model(seed: 5, layers: 1, dim: 8, heads: 2, context: 4);
        var path = PathOf("model.safetensors");
        GptCheckpoint.Save(model, path);
        var file = SafeTensors.ReadFile(path);
        Assert.Equal([256, 8], file.Tensors["wte"].Shape);
        Assert.Equal([4, 8], file.Tensors["wpe"].Shape);
        Assert.Equal([8, 24], file.Tensors["h.0.attn.c_attn.weight"].Shape);
        Assert.Equal(model.Layout.Tensors.Count, file.Tensors.Count);
    }

    [Fact]
    public void Extra_metadata_cannot_overwrite_the_hyper_parameters()
    {
        var model = TinyGpt.Model();
        var ex = Assert.Throws<ArgumentException>(() => GptCheckpoint.Save(model, PathOf("m.safetensors"), new Dictionary<string, string> { ["layers"] = "9" }));
        Assert.Contains("\"layers\"", ex.Message);
    }

    [Fact]
    public void A_missing_file_is_refused_naming_it()
    {
        var path = PathOf("absent.safetensors");
        var ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.Load(path));
        Assert.Equal($"Checkpoint {path}: no such file.", ex.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_it_and_the_shortfall()
    {
        var path = PathOf("model.safetensors");
        GptCheckpoint.Save(TinyGpt.Model(), path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.Load(path));
        Assert.StartsWith($"Checkpoint {path}: Truncated checkpoint: the tensors need", ex.Message);
    }

    [Fact]
    public void A_corrupt_header_is_refused_naming_the_file()
    {
        var path = PathOf("model.safetensors");
        GptCheckpoint.Save(TinyGpt.Model(), path);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'x'; // the '{' that opens the JSON header
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.Load(path));
        Assert.Equal($"Checkpoint {path}: Bad safetensors header: it does not start with '{{'.", ex.Message);
    }

    [Fact]
    public void A_tensor_whose_shape_disagrees_with_the_metadata_is_refused()
    {
        // A dim-16 model's tensors under metadata claiming dim 8: every shape is wrong.
        var model = TinyGpt.Model(dim: 16);
        var path = PathOf("model.safetensors");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "promisegrid-gpt", ["format_version"] = "1", ["layers"] = "2", ["dim"] = "8", ["heads"] = "4", ["context"] = "8", ["vocab"] = "256",
        };
        SafeTensors.WriteFile(path, model.Tensors().Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)t.Data)), metadata);
        var ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.Load(path));
        Assert.Equal($"Checkpoint {path}: Tensor \"wte\" has shape [256, 16] in the checkpoint, but the model expects [256, 8].", ex.Message);
    }

    [Fact]
    public void A_safetensors_file_that_is_not_a_gpt_checkpoint_is_refused()
    {
        var path = PathOf("other.safetensors");
        SafeTensors.WriteFile(path, [("w", [1], new[] { 1f })], new Dictionary<string, string>());
        var ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.ReadConfig(path));
        Assert.Equal($"Checkpoint {path}: not a promisegrid-gpt checkpoint (the safetensors metadata has no \"format\" entry).", ex.Message);

        SafeTensors.WriteFile(path, [("w", [1], new[] { 1f })], new Dictionary<string, string> { ["format"] = "promisegrid-gpt", ["format_version"] = "2" });
        ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.Load(path));
        Assert.Equal($"Checkpoint {path}: format version 2; this build reads version 1.", ex.Message);
    }

    [Fact]
    public void A_missing_tensor_is_refused_naming_it()
    {
        var model = TinyGpt.Model(layers: 2);
        var path = PathOf("model.safetensors");
        GptCheckpoint.Save(model, path);
        var file = SafeTensors.ReadFile(path);
        var tensors = file.Tensors.Where(t => t.Key != "h.1.mlp.c_fc.bias").Select(t => (t.Key, t.Value.Shape, (ReadOnlyMemory<float>)t.Value.Data));
        SafeTensors.WriteFile(path, tensors, file.Metadata);
        var ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.Load(path));
        Assert.StartsWith($"Checkpoint {path}: The checkpoint has no tensor \"h.1.mlp.c_fc.bias\"", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resuming_from_a_checkpoint_ends_bit_for_bit_where_training_straight_through_ends(bool muon)
    {
        var options = new TrainerOptions { BatchSize = 4, Seed = 9, LearningRate = new LearningRate(3e-3f, 3e-4f, 3, 12), Muon = muon };
        Trainer NewTrainer()
        {
            var model = TinyGpt.Model(seed: 4, layers: 2, dim: 16, heads: 4, context: 8);
            model.Threads = 2;
            return new Trainer(model, options);
        }

        var straight = NewTrainer();
        var straightLosses = Enumerable.Range(0, 12).Select(_ => straight.TrainStep(TinyGpt.Corpus)).ToArray();

        var first = NewTrainer();
        var losses = Enumerable.Range(0, 5).Select(_ => first.TrainStep(TinyGpt.Corpus)).ToList();
        var path = PathOf("train.safetensors");
        GptCheckpoint.Save(first, path);

        // A fresh process: model from the file, options from the file, then the training state.
        var loaded = GptCheckpoint.Load(path);
        loaded.Threads = 2;
        var savedOptions = GptCheckpoint.ReadTrainerOptions(path);
        Assert.Equal(options with { WindowLength = 8 }, savedOptions);
        var resumed = new Trainer(loaded, savedOptions!);
        Assert.True(GptCheckpoint.RestoreTraining(resumed, path));
        Assert.Equal(5, resumed.Step);
        Assert.Equal(5, resumed.Optimizer.Steps);
        losses.AddRange(Enumerable.Range(0, 7).Select(_ => resumed.TrainStep(TinyGpt.Corpus)));

        Assert.Equal(Bits(straightLosses), Bits([.. losses]));
        Assert.Equal(Bits(straight.Model.Parameters), Bits(resumed.Model.Parameters));
        Assert.Equal(Bits(straight.Optimizer.FirstMoment), Bits(resumed.Optimizer.FirstMoment));
        Assert.Equal(Bits(straight.Optimizer.SecondMoment), Bits(resumed.Optimizer.SecondMoment));
        Assert.Equal(muon, resumed.Muon is not null);
    }

    [Fact]
    public void A_training_checkpoint_loads_as_a_plain_model_and_a_plain_model_has_no_training_state()
    {
        var trainer = new Trainer(TinyGpt.Model(seed: 2), new TrainerOptions { BatchSize = 2, Seed = 1 });
        trainer.TrainStep(TinyGpt.Corpus);
        var path = PathOf("train.safetensors");
        GptCheckpoint.Save(trainer, path);
        Assert.Equal(trainer.Model.Parameters, GptCheckpoint.Load(path).Parameters);
        Assert.Contains(SafeTensors.ReadFile(path).Tensors.Keys, k => k == "optimizer.m.wte");

        var plain = PathOf("plain.safetensors");
        GptCheckpoint.Save(trainer.Model, plain);
        var fresh = new Trainer(GptCheckpoint.Load(plain), new TrainerOptions { BatchSize = 2, Seed = 1 });
        Assert.False(GptCheckpoint.RestoreTraining(fresh, plain));
        Assert.Equal(0, fresh.Step);
    }

    [Fact]
    public void Restoring_into_a_trainer_of_another_model_size_is_refused()
    {
        var trainer = new Trainer(TinyGpt.Model(dim: 16), new TrainerOptions { BatchSize = 2 });
        var path = PathOf("train.safetensors");
        GptCheckpoint.Save(trainer, path);
        var other = new Trainer(TinyGpt.Model(dim: 8, heads: 2), new TrainerOptions { BatchSize = 2 });
        var ex = Assert.Throws<CheckpointFormatException>(() => GptCheckpoint.RestoreTraining(other, path));
        Assert.Equal($"Checkpoint {path}: it holds a model (layers 2, dim 16, heads 4, context 8), but the trainer's model is (layers 2, dim 8, heads 2, context 8).", ex.Message);
    }

    private static float[] Logits(GptModel model, byte[] input)
    {
        model.Forward(input, default, 1, input.Length);
        return Enumerable.Range(0, input.Length).SelectMany(t => model.Logits(0, t).ToArray()).ToArray();
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
