using Akka.Actor;
using Akka.Hosting;
using PromiseGrid.Hosting.Configuration;
using PromiseGrid.Hosting.Node;
using PromiseGrid.Kernel.Modules;

namespace PromiseGrid.Hosting;

/// <summary>
/// Akka.Hosting integration: a PromiseGrid node in any .NET host.
/// <code>
/// builder.Services.AddAkka("promisegrid", (akka, sp) => akka
///     .WithPromiseGrid(o => o.Seeds.Add("akka.tcp://promisegrid@10.0.0.1:4053"))
///     .WithGridModule&lt;UpperModule&gt;());
/// var app = builder.Build();
/// app.MapPromiseGrid();   // POST /complete, GET /routes, /health, /metrics
/// </code>
/// The stock node (src/PromiseGrid.Node) is such a host: <see cref="NodeHost"/>.
/// </summary>
public static class GridNodeBuilder
{
    /// <summary>
    /// Makes the actor system a PromiseGrid node: cluster remoting on the configured host and
    /// port, the router, the modules named in the settings, and a join of the seeds (or of
    /// itself). Settings are read and checked here, so a bad value fails the host's start with a
    /// <see cref="NodeConfigurationException"/> naming it.
    /// </summary>
    public static AkkaConfigurationBuilder WithPromiseGrid(this AkkaConfigurationBuilder builder, Action<PromiseGridOptions>? configure = null)
    {
        var options = new PromiseGridOptions();
        configure?.Invoke(options);
        var settings = options.ToSettings();
        var modules = new ModuleLoader(settings.PluginsFolder).Resolve(settings.Modules);
        return builder.WithPromiseGrid(settings, modules, TransportSecurity.Load(settings.Tls));
    }

    /// <summary>The one way a node is set up, for the stock node (settings already read and checked) and for <see cref="WithPromiseGrid(AkkaConfigurationBuilder, Action{PromiseGridOptions}?)"/>.</summary>
    internal static AkkaConfigurationBuilder WithPromiseGrid(this AkkaConfigurationBuilder builder, NodeSettings settings,
        IReadOnlyList<ModuleEntry> modules, TransportSecurity? security)
    {
        Directory.CreateDirectory(settings.DataFolder);
        builder.AddHocon(settings.AkkaConfig, HoconAddMode.Prepend);
        builder.AddSetup(new GridNodeSetup(settings));
        if (security is not null) builder.AddSetup(security.DotNettySetup());
        return builder.WithActors((system, _) =>
        {
            if (system.Name != NodeSettings.SystemName)
                throw new NodeConfigurationException(
                    $"the actor system is named '{system.Name}': a PromiseGrid node's must be '{NodeSettings.SystemName}' (AddAkka(\"{NodeSettings.SystemName}\", ...)), the name in every node's address");
            var node = GridNode.Get(system);
            node.Start(TransportSecurity.Describe(security));
            foreach (var module in modules)
                node.StartModule(module.Name, module.ActorName, module.Props);
        });
    }

    /// <summary>
    /// Starts <typeparamref name="TModule"/> on the node, as an actor named after its type, and
    /// registers it in the <see cref="ActorRegistry"/> under that type; <c>/health</c> waits for its routes.
    /// </summary>
    public static AkkaConfigurationBuilder WithGridModule<TModule>(this AkkaConfigurationBuilder builder)
        where TModule : ModuleActor, new() =>
        builder.WithActors((system, registry) =>
            registry.Register<TModule>(GridNode.Get(system).StartModule(typeof(TModule).Name, typeof(TModule).Name, Props.Create<TModule>())));

    /// <summary>Starts a module from its <paramref name="props"/> (one whose constructor takes arguments), as an actor named <paramref name="name"/>.</summary>
    public static AkkaConfigurationBuilder WithGridModule(this AkkaConfigurationBuilder builder, string name, Props props) =>
        builder.WithActors((system, _) => GridNode.Get(system).StartModule(name, name, props));
}
