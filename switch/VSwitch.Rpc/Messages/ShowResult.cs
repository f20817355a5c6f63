namespace VSwitch.Rpc.Messages;

/// <summary>The result of show.</summary>
/// <param name="Bridge">The bridge's name.</param>
/// <param name="Ports">Ports, ordered by OpenFlow number.</param>
/// <param name="FlowCount">Number of flows in the table.</param>
/// <param name="Settings">Switch-wide settings.</param>
/// <param name="Controller">Fail mode and controller connections (null from a daemon without OpenFlow controllers).</param>
public sealed record ShowResult(string Bridge, PortInfo[] Ports, int FlowCount, SettingsInfo Settings, ControllerResult? Controller = null);
