namespace VSwitch.Rpc.Messages;

/// <summary>Counters of one direction (of a port or of one queue).</summary>
/// <param name="Packets">Packets passed.</param>
/// <param name="Bytes">Bytes passed (Ethernet frames).</param>
/// <param name="Errors">Errors that are not per-packet drops.</param>
/// <param name="Drops">Packets discarded, summed over reasons.</param>
/// <param name="DropsByReason">Non-zero drop counters by reason name.</param>
public sealed record TrafficCounters(long Packets, long Bytes, long Errors, long Drops, Dictionary<string, long> DropsByReason);
