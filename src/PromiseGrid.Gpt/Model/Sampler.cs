namespace PromiseGrid.Gpt.Model;

/// <summary>Chooses the next byte from logits according to <see cref="SamplingOptions"/>.</summary>
public static class Sampler
{
    /// <summary>Greedy when the temperature is 0; otherwise top-k sampling at the temperature, drawing one double from <paramref name="random"/>.</summary>
    public static byte Next(ReadOnlySpan<float> logits, SamplingOptions options, Random random)
    {
        int v = logits.Length;
        if (options.Temperature == 0f)
        {
            int best = 0;
            for (int i = 1; i < v; i++) if (logits[i] > logits[best]) best = i;
            return (byte)best;
        }
        // Candidates by descending logit, ties by byte value, so the order never depends on the sort.
        var order = new int[v];
        for (int i = 0; i < v; i++) order[i] = i;
        var copy = logits.ToArray();
        Array.Sort(order, (x, y) => copy[y].CompareTo(copy[x]) is var cmp && cmp != 0 ? cmp : x.CompareTo(y));
        int k = options.TopK == 0 ? v : Math.Min(options.TopK, v);
        var weights = new double[k];
        double max = copy[order[0]], total = 0;
        for (int i = 0; i < k; i++)
        {
            weights[i] = Math.Exp((copy[order[i]] - max) / options.Temperature);
            total += weights[i];
        }
        double u = random.NextDouble() * total;
        for (int i = 0; i < k; i++)
        {
            u -= weights[i];
            if (u < 0) return (byte)order[i];
        }
        return (byte)order[k - 1];
    }
}
