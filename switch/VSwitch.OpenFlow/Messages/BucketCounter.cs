namespace VSwitch.OpenFlow.Messages;

/// <summary>Counters of one group bucket (<c>struct ofp_bucket_counter</c>).</summary>
/// <param name="PacketCount">Packets processed by the bucket.</param>
/// <param name="ByteCount">Bytes processed by the bucket.</param>
public readonly record struct BucketCounter(ulong PacketCount, ulong ByteCount);
