namespace VSwitch.Rpc.Messages;

/// <summary>Parameters of port-stats.</summary>
/// <param name="Name">One port, or null for all ports.</param>
/// <param name="Queues">Also report each queue.</param>
public sealed record PortStatsParams(string? Name, bool Queues);
