global using Akka.Actor;
global using Akka.Configuration;
global using PromiseGrid.Core;
global using PromiseGrid.Kernel.Client;
global using PromiseGrid.Kernel.Protocol;
global using PromiseGrid.Shared;
global using Xunit;
global using Xunit.Abstractions;
