using Akka.Hosting;
using PromiseGrid.Hosting;
using Acme.Node;

// A PromiseGrid node in this host: it joins the grid named by PG_SEEDS (none: a grid of its
// own), runs the sys module and HelloModule, and serves the grid's gateway on this host's URLs
// (ASPNETCORE_URLS). Every PG_* variable of the stock node works here too.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAkka("promisegrid", (akka, sp) => akka
    .WithPromiseGrid(o => o.Modules = ["sys"])
    .WithGridModule<HelloModule>());

var app = builder.Build();
app.MapPromiseGrid();   // POST /complete, GET /routes, GET /health, GET /metrics
app.Run();
