namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of set: KEY=VALUE settings such as mac-aging-time=300, mac-table-size=8192.</summary>
/// <param name="Settings">Settings to change, by name.</param>
public sealed record SetParams(Dictionary<string, string> Settings);
