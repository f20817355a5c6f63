namespace VSwitch.Control.Ports;

/// <summary>What a port type may need to fill in defaults. Immutable.</summary>
/// <param name="RunDirectory">vswitchd's run directory, where server-mode sockets go by default.</param>
public sealed record PortTypeContext(string RunDirectory);
