namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of add-port.</summary>
/// <param name="Name">Unique port name: a letter, then letters, digits, '_', '-' or '.'.</param>
/// <param name="Type">A registered port type, e.g. "vhostuser" or "vhostuserclient".</param>
/// <param name="Settings">Type-independent and type-specific settings; absent fields take their defaults.</param>
public sealed record AddPortParams(string Name, string Type, PortSettings? Settings);
