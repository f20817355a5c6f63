namespace VSwitch.OpenFlow.Messages;

/// <summary>A GROUP reply entry (<c>struct ofp_group_stats</c>).</summary>
/// <param name="GroupId">Group.</param>
/// <param name="RefCount">Flows and groups that forward to it.</param>
/// <param name="PacketCount">Packets processed.</param>
/// <param name="ByteCount">Bytes processed.</param>
/// <param name="DurationSec">Age, seconds.</param>
/// <param name="DurationNsec">Beyond DurationSec, nanoseconds.</param>
/// <param name="Buckets">Per-bucket counters, in bucket order.</param>
public sealed record GroupStats(uint GroupId, uint RefCount, ulong PacketCount, ulong ByteCount, uint DurationSec, uint DurationNsec, IReadOnlyList<BucketCounter> Buckets) : MultipartItem;
