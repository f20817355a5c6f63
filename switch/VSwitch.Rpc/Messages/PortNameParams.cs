namespace VSwitch.Rpc.Messages;

/// <summary>Parameters naming one port (del-port, port-status).</summary>
/// <param name="Name">The port's name.</param>
public sealed record PortNameParams(string Name);
