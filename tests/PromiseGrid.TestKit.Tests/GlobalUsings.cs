global using Akka.Actor;
global using PromiseGrid.Core;
global using PromiseGrid.Kernel.Modules;
global using PromiseGrid.Kernel.Protocol;
global using Xunit;
global using Xunit.Abstractions;
