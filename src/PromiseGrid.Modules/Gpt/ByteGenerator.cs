using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Modules.Gpt;

/// <summary>
/// How the module gets a generation's bytes: alone (<see cref="Generator"/>) or sharing each
/// decoding step with the other running generations (<see cref="BatchedGenerator"/>), chosen by
/// <see cref="GptSettings.Batching"/>. Both yield the same bytes for the same arguments.
/// </summary>
internal interface IByteGenerator
{
    IAsyncEnumerable<byte> GenerateAsync(ReadOnlyMemory<byte> prompt, int count, SamplingOptions options, CancellationToken cancellation);
}

internal sealed class AloneByteGenerator(Generator generator) : IByteGenerator
{
    public IAsyncEnumerable<byte> GenerateAsync(ReadOnlyMemory<byte> prompt, int count, SamplingOptions options, CancellationToken cancellation) =>
        generator.GenerateAsync(prompt, count, options, cancellation);
}

internal sealed class BatchedByteGenerator(BatchedGenerator generator) : IByteGenerator
{
    public IAsyncEnumerable<byte> GenerateAsync(ReadOnlyMemory<byte> prompt, int count, SamplingOptions options, CancellationToken cancellation) =>
        generator.GenerateAsync(prompt, count, options, cancellation);
}
