namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of set-port: the given settings replace the port's current ones, the cleared ones return to their defaults.</summary>
/// <param name="Name">The port to change.</param>
/// <param name="Settings">Settings to change (absent fields stay as they are).</param>
/// <param name="Clear">Names of settings to reset: "tag", "trunks", "mtu", or a type-specific option key.</param>
public sealed record SetPortParams(string Name, PortSettings? Settings, string[]? Clear);
