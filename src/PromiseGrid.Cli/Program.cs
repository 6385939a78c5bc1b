using PromiseGrid.Cli;
using PromiseGrid.Cli.Gateway;

// The entry point only binds the process's streams and PG_NODE; everything else is CliApp, so the
// tests run the same code in process.
return await CliApp.RunAsync(args, CliConsole.FromProcess(), Environment.GetEnvironmentVariable(NodeAddress.EnvironmentVariable));
