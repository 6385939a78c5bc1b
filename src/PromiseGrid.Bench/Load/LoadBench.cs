namespace PromiseGrid.Bench.Load;

/// <summary>Entry of the load modes, shared by <c>PromiseGrid.Bench load</c> and <c>pgrid bench</c>.</summary>
public static class LoadBench
{
    public static readonly string[] Modes = ["local", "remote", "gateway", "capabilities", "store", "wasm", TracingBench.Mode];

    public static async Task<LoadReport> RunAsync(string mode, LoadOptions options)
    {
        // Several comparisons in one run (put, get, cache; through the client and router-only), so they build their own reports.
        if (mode == "store") return await StoreBench.RunAsync(options);
        if (mode == "local") return await LocalBench.RunAsync(options);
        if (mode == TracingBench.Mode) return await TracingBench.RunAsync(options);
        IReadOnlyList<LoadFigure> figures = mode switch
        {
            "remote" => await RemoteBench.RunAsync(options),
            "gateway" => await GatewayBench.RunAsync(options),
            "capabilities" => await CapabilitiesBench.RunAsync(options),
            "wasm" => await WasmBench.RunAsync(options),
            _ => throw new ArgumentException($"unknown bench mode '{mode}' (use {string.Join(", ", Modes)})", nameof(mode)),
        };
        return new LoadReport(mode, options, figures[0], figures[1], LoadReport.DescribeMachine());
    }
}
