namespace PromiseGrid.Hosting.Configuration;

/// <summary>A configuration value the node cannot start with; the message names the setting and the value.</summary>
public sealed class NodeConfigurationException(string message) : Exception(message);
