namespace VSwitch.OpenFlow.Messages;

/// <summary>The AGGREGATE reply (<c>struct ofp_aggregate_stats_reply</c>).</summary>
/// <param name="PacketCount">Packets matched by the selected flows.</param>
/// <param name="ByteCount">Bytes matched by the selected flows.</param>
/// <param name="FlowCount">Number of selected flows.</param>
public sealed record AggregateStats(ulong PacketCount, ulong ByteCount, uint FlowCount) : MultipartItem;
