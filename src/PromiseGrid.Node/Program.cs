return await PromiseGrid.Node.NodeProgram.RunAsync(args);
