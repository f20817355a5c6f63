namespace VSwitch.Rpc.Messages;

/// <summary>Counters of one queue index, both directions.</summary>
/// <param name="Queue">Queue index.</param>
/// <param name="Rx">Receive side.</param>
/// <param name="Tx">Transmit side.</param>
public sealed record QueueCounters(int Queue, TrafficCounters Rx, TrafficCounters Tx);
