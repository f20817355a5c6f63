namespace VSwitch.Rpc.Messages;

/// <summary>The result of port-stats.</summary>
/// <param name="Ports">One entry per port, ordered by OpenFlow number.</param>
public sealed record PortStatsResult(PortStatsInfo[] Ports);
