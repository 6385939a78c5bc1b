using PromiseGrid.Fuzz;
using SharpFuzz;

// The fuzzing harness (README.md beside this file). Verbs:
//   TARGET                 run under afl-fuzz (SharpFuzz's fork server); outside afl-fuzz, one input from stdin
//   TARGET PATH...         replay files, or every file of folders: one line per input, exit 1 on a crash
//   instrument DIR         instrument the published assemblies in DIR for afl-fuzz, in place
//   seeds CORPUS VECTORS   write the generated seed corpus from docs/capabilities-vectors.json
//   list                   the target names
return Harness.Run(args);

internal static class Harness
{
    /// <summary>
    /// What fuzz.sh instruments: the project's parsers, and the CBOR reader under the token, proof
    /// and statement parsers, so the fuzzer sees coverage of the CBOR structure it mutates.
    /// </summary>
    private static readonly string[] Instrumented =
    [
        "PromiseGrid.Core.dll", "PromiseGrid.Kernel.dll", "PromiseGrid.Modules.dll", "PromiseGrid.Hosting.dll", "System.Formats.Cbor.dll",
    ];

    public static int Run(string[] args)
    {
        if (args.Length == 0) return Usage();
        switch (args[0])
        {
            case "list":
                foreach (var name in FuzzTargets.Names) Console.WriteLine(name);
                return 0;
            case "instrument" when args.Length == 2:
                return Instrument(args[1]);
            case "seeds" when args.Length == 3:
                Seeds.Write(args[1], args[2]);
                return 0;
        }
        var target = args[0];
        if (!FuzzTargets.Names.Contains(target) && target != FuzzTargets.SelfTest) return Usage();
        if (args.Length > 1) return Replay(target, args[1..]);

        // Out of process: a stack overflow or a hang kills only the child that SharpFuzz restarts,
        // and afl-fuzz records the input as a crash or a hang instead of losing its fork server.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            FuzzTargets.Run(target, copy.ToArray());
        });
        return 0;
    }

    private static int Replay(string target, string[] paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path)) files.AddRange(Directory.GetFiles(path).Order(StringComparer.Ordinal));
            else if (File.Exists(path)) files.Add(path);
            else
            {
                Console.Error.WriteLine($"fuzz: no file or folder '{path}'");
                return 2;
            }
        }
        var crashes = 0;
        foreach (var file in files)
        {
            try
            {
                Console.WriteLine($"{file}: {FuzzTargets.Run(target, File.ReadAllBytes(file))}");
            }
            catch (Exception e)
            {
                crashes++;
                Console.WriteLine($"{file}: CRASH {e}");
            }
        }
        Console.WriteLine($"fuzz: {target}: {files.Count} inputs, {crashes} crashes");
        return crashes == 0 ? 0 : 1;
    }

    private static int Instrument(string dir)
    {
        foreach (var name in Instrumented)
        {
            var path = Path.Combine(dir, name);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"fuzz: {path} is missing; publish the harness into {dir} first");
                return 2;
            }
            try
            {
                var types = Fuzzer.Instrument(path, _ => true, Options.Value);
                Console.WriteLine($"fuzz: instrumented {name} ({types.Count()} types)");
            }
            catch (InstrumentationException e)
            {
                // Say, already instrumented: fuzz.sh publishes a fresh copy before each instrumenting.
                Console.Error.WriteLine($"fuzz: {path}: {e.Message}");
                return 2;
            }
        }
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine(
            "usage: PromiseGrid.Fuzz TARGET [PATH...] | instrument DIR | seeds CORPUS VECTORS | list\n" +
            $"targets: {string.Join(", ", FuzzTargets.Names)}");
        return 2;
    }
}
