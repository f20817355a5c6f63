using System.Text.Json.Serialization;

namespace VSwitch.Rpc.Messages;

/// <summary>The counters of one port.</summary>
/// <param name="Name">Port name.</param>
/// <param name="OfPort">OpenFlow number.</param>
/// <param name="Rx">Packets the switch received from the port, summed over queues.</param>
/// <param name="Tx">Packets the switch sent to the port, summed over queues.</param>
/// <param name="Queues">Per-queue counters when asked for, else null.</param>
public sealed record PortStatsInfo(string Name, [property: JsonPropertyName("ofport")] int OfPort, TrafficCounters Rx, TrafficCounters Tx, QueueCounters[]? Queues);
