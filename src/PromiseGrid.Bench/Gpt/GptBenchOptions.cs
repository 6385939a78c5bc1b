using PromiseGrid.Gpt.Model;

namespace PromiseGrid.Bench.Gpt;

/// <summary>
/// What the <c>gpt</c> bench measures: the model's shape (GPT-2 layout, about a million parameters
/// by default: 4 layers of width 128 with 4 heads over 128 bytes), the training batch, and how
/// long each figure is warmed up and measured.
/// </summary>
/// <param name="Seconds">Measured time of each figure (training, forward only, generation).</param>
/// <param name="WarmupSeconds">Untimed work before each figure: JIT, caches, thread pool.</param>
/// <param name="Batch">Training and forward windows per step, each <paramref name="Context"/> bytes long.</param>
/// <param name="Streams">Concurrent streams of the serving figures.</param>
/// <param name="Threads">Degree of parallelism of the model (<see cref="GptModel.Threads"/>); 0 means every core.</param>
/// <param name="Only">Measure only these figures, comma-separated names (e.g. <c>serving-1,serving-16</c>); empty: every figure.</param>
public sealed record GptBenchOptions(
    double Seconds = 5, double WarmupSeconds = 1,
    int Layers = 4, int Dim = 128, int Heads = 4, int Context = 128, int Batch = 8, int Threads = 0, int Streams = 16,
    string Only = "")
{
    public GptConfig Config => new(Layers, Dim, Heads, Context);

    /// <summary>Whether the figure named <paramref name="figure"/> is measured (<see cref="Only"/>).</summary>
    public bool Wants(string figure) => Only.Length == 0 || Only.Split(',', StringSplitOptions.TrimEntries).Contains(figure);
}
