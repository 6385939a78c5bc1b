using System.Collections;
using System.Text;
using Akka.Configuration;
using PromiseGrid.Hosting.Configuration;

namespace PromiseGrid.Hosting;

/// <summary>
/// A node's settings given in code. Each one left null keeps the value from the layers under
/// it (a <see cref="ConfigFile"/>, then config/node.conf's defaults); the <c>PG_*</c> environment
/// variables the stock node reads override them all, so an operator can still move any host to
/// another port or seed without a rebuild. config/node.conf documents every key.
/// </summary>
public sealed class PromiseGridOptions
{
    /// <summary>Host name this node binds and advertises (<c>PG_HOST</c>).</summary>
    public string? Host { get; set; }

    /// <summary>Address the remoting port binds to, when not <see cref="Host"/> (<c>PG_BIND</c>).</summary>
    public string? BindHost { get; set; }

    /// <summary>Akka remoting port; 0 picks a free one (<c>PG_PORT</c>).</summary>
    public int? Port { get; set; }

    /// <summary>Seed nodes, <c>akka.tcp://promisegrid@host:port</c>; none: the node forms a cluster of its own (<c>PG_SEEDS</c>).</summary>
    public IList<string> Seeds { get; } = new List<string>();

    /// <summary>
    /// Modules started by name as the stock node does: built-ins (<c>echo</c>, <c>sys</c>, <c>hash</c>,
    /// <c>store</c>, <c>wasm</c>, <c>gpt</c>) or plugin type names (<c>PG_MODULES</c>). Null keeps
    /// config/node.conf's list; set it empty to run only the modules added with <c>WithGridModule</c>.
    /// </summary>
    public IList<string>? Modules { get; set; }

    /// <summary>Data folder (store blobs); created when missing (<c>PG_DATA</c>).</summary>
    public string? DataFolder { get; set; }

    /// <summary>Akka log level: DEBUG, INFO, WARNING or ERROR (<c>PG_LOGLEVEL</c>).</summary>
    public string? LogLevel { get; set; }

    /// <summary>Log lines as Akka's text (<c>text</c>) or one JSON object per line (<c>json</c>) (<c>PG_LOGFORMAT</c>).</summary>
    public string? LogFormat { get; set; }

    /// <summary>Issuer public keys this node trusts; set, every request to its modules needs a token (<c>PG_TRUST</c>).</summary>
    public IList<string> Trust { get; } = new List<string>();

    /// <summary>An optional HOCON file with any key of config/node.conf or the kernel's reference.conf.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>More HOCON, over <see cref="ConfigFile"/> (e.g. <c>promisegrid.max-sequence-bytes = 65536</c>).</summary>
    public string? Hocon { get; set; }

    /// <summary>Where the <c>PG_*</c> variables come from; the process environment unless replaced (an empty dictionary ignores them).</summary>
    public IDictionary Environment { get; set; } = System.Environment.GetEnvironmentVariables();

    /// <summary>Reads and checks the settings; a bad value is a <see cref="NodeConfigurationException"/> naming it.</summary>
    internal NodeSettings ToSettings() => NodeSettings.Load(Environment, ConfigFile, ToConfig());

    private Config ToConfig()
    {
        var hocon = new StringBuilder();
        void Key(string key, string? value)
        {
            if (value is not null) hocon.Append(key).Append(" = ").AppendLine(NodeSettings.Quote(value));
        }
        Key("promisegrid.node.host", Host);
        Key("promisegrid.node.bind-host", BindHost);
        Key("promisegrid.node.port", Port?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Seeds.Count > 0) Key("promisegrid.node.seeds", string.Join(",", Seeds));
        if (Modules is not null) Key("promisegrid.node.modules", string.Join(",", Modules));
        Key("promisegrid.node.data", DataFolder);
        Key("promisegrid.node.log-level", LogLevel);
        Key("promisegrid.node.log-format", LogFormat);
        if (Trust.Count > 0) Key("promisegrid.security.trust", string.Join(",", Trust));
        var config = ConfigurationFactory.ParseString(hocon.ToString());
        return string.IsNullOrWhiteSpace(Hocon) ? config : config.WithFallback(ConfigurationFactory.ParseString(Hocon));
    }
}
